import { startService } from "../shared/service/start-service";
import { secondService } from "./service";

await startService(secondService, process.env);
