import { startService } from "../shared/start-service";
import { firstService } from "./service";

await startService(firstService, process.env);
