// Reference: the plain Elysia app, in a binary that also carries all of first's code (bundled and precompiled like
// the service) without running any of it: what loading a bundle that size costs before anything is evaluated.
import "./elysia";

if (process.env.TWINBIN_RUN_FIRST === "never") await import("../../first/main");
