"""``softcart dashboard --serve``: serve the built folder on 127.0.0.1 with the standard library."""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rich.console import Console


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(folder: Path, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(folder))
    return ThreadingHTTPServer((host, port), handler)


def serve(folder: Path, port: int, console: Console) -> int:
    try:
        server = make_server(folder, port)
    except OSError as exc:
        console.print(f"[red]error:[/] cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}")
        return 1
    bound = server.server_address[1]
    console.print(f"Serving [bold]{folder}[/] at [link]http://127.0.0.1:{bound}/[/link] (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        console.print("stopped")
    finally:
        server.server_close()
    return 0
