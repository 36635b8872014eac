import { startService } from "../shared/start-service";
import { secondService } from "./service";

await startService(secondService, process.env);
