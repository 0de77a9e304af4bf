"""gunicorn settings (see docs/deployment.md).

Every process is stateless (sessions, history and imports live in the database), so
add workers or machines freely; they only need the same DATABASE_URL and SECRET_KEY.

Threaded workers (``gthread``): a client that sends its request slowly holds one
thread, not a whole worker, so a handful of slow clients cannot stop the service
(tests/system/test_deployment.py opens ten). For many hostile slow clients, put the
buffering front server of docs/deployment.md in front: it reads each request
completely before passing it on.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A worker takes no more connections than it has threads: a connection it cannot
# serve at once stays in the listen queue for a worker that can, instead of waiting
# behind slow clients in this worker's queue.
worker_connections = threads
# A worker that stops answering its heartbeat for this long is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# No keep-alive (the front server opens a connection per request; a kept-alive
# idle connection would hold one of the worker's slots). This also cuts off a
# connection that sends nothing within gunicorn's 5 s wait for data.
keepalive = 0
# Refuse oversized request lines and headers before Django sees them.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
