// Reference: the plain Elysia app, in a binary that loads and evaluates every module first imports (the libSQL
// client and its addon, drizzle, pino, the OpenTelemetry SDK, first's routes) but starts none of it: no
// configuration, telemetry, logger or database.
import "./elysia";
import { firstService } from "../../first/service";
import { startService } from "../../shared/service/start-service";

if (process.env.TWINBIN_RUN_FIRST === "never") await startService(firstService, process.env);
