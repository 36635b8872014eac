import { startService } from "../shared/service/start-service";
import { firstService } from "./service";

await startService(firstService, process.env);
