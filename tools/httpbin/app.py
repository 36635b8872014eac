"""HTTPBin for local runs and tests: Debian's python3-httpbin (0.7) served by gunicorn.

Two additions, both small WSGI-level wrappers around the unmodified httpbin app:
- POST is accepted on /delay/<n>, as httpbin.org and go-httpbin accept it (0.7 answers 405), because that is
  the call `second` makes.
- /slow/<seconds>/<path> waits <seconds> and then serves <path>: a slow HTTPBin for timeout tests
  (HTTPBIN_URL=http://127.0.0.1:8080/slow/3).

Run: gunicorn --chdir tools/httpbin -k gthread --threads 32 -b 127.0.0.1:8080 app:application
"""

import re
import time

from httpbin import app

app.add_url_rule(
    "/delay/<delay>", "delay_post", app.view_functions["delay_response"], methods=["POST"]
)

_SLOW = re.compile(r"^/slow/(\d+(?:\.\d+)?)(/.*)$")


def application(environ, start_response):
    match = _SLOW.match(environ.get("PATH_INFO", ""))
    if match:
        time.sleep(min(float(match.group(1)), 30.0))
        environ["PATH_INFO"] = match.group(2)
    return app(environ, start_response)
