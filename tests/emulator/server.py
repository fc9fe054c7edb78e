"""Launch moto's server with our extensions loaded in the same process.

Usage: python server.py --port 4566 [--host 127.0.0.1]

moto's operations are methods on per-service classes, so extensions only take
effect if they are applied in the process that serves the requests: this
launcher imports moto, applies extensions.install(), then serves moto's own
WSGI app (the one `moto_server` runs) behind our /_emulator/ routes with
werkzeug's threaded server, as moto_server does. Started by scripts/emulator.
"""

import argparse
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    started = time.monotonic()

    # Settings moto reads from the environment; set before moto is imported.
    # AWS-managed IAM policies must exist or roles cannot attach them.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # moto builds URLs to itself (e.g. CloudFormation custom resource responses) from this.
    os.environ["MOTO_PORT"] = str(args.port)

    # Run in a session of our own: a Ctrl-C or hang-up meant for whoever ran
    # `scripts/emulator start` must not reach the background server.
    try:
        os.setsid()
    except OSError:
        pass  # already a session leader

    sys.path.insert(0, HERE)
    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    import extensions
    from extensions.codeartifact import CodeArtifactApp
    from extensions.routes import EmulatorApp

    extensions.install()
    from extensions import s3_fixes

    s3_fixes.install()
    # CodeArtifact, which moto lacks, is served between our routes and moto's dispatcher.
    app = EmulatorApp(CodeArtifactApp(DomainDispatcherApplication(create_backend_app)))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)

    def stop(signum: int, _frame: object) -> None:
        # SystemExit unwinds serve_forever() in this (the main) thread.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"aws-emulator pid {os.getpid()} serving http://{args.host}:{args.port} "
        f"(ready after {time.monotonic() - started:.2f}s)",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
