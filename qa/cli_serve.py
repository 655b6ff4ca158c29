"""`qa serve`: the process around the browser chat. Credentials, host and port checks,
the terminal's log lines and the exposure warning live here; ui/ only lays out the app.

>>> main(["serve", "--port", "8080"])   # through qa.cli, which parses the arguments
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import re
import sys
from pathlib import Path


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def port_arg(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, got {value}")
    return value


_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?")


def host_arg(text: str) -> str:
    """An IPv4 address or a host name. IPv6 literals are refused: the chat server (Gradio)
    builds its own URL from the host without brackets and fails on it."""
    if not text:
        return text
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        if not _HOSTNAME.fullmatch(text):
            raise argparse.ArgumentTypeError(f"not an IP address or host name: {text!r}") from None
        return text
    if address.version == 6:
        raise argparse.ArgumentTypeError(
            f"IPv6 address {text} is not supported by the chat server; use 127.0.0.1 (this machine), "
            "0.0.0.0 (every IPv4 interface) or a host name")
    return str(address)


def proxy_arg(text: str) -> str:
    """argparse type for --trusted-proxy: an IP address or network, `proxy_arg("10.0.0.0/8") -> '10.0.0.0/8'`."""
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an IP address or network: {text!r}") from None


def _index_with_model(index: str, seeds: str, model: str) -> None:
    """Build a missing index with `model`; an existing one must have been built with it."""
    from .build import build_index
    from .config import Settings
    from .embedding import resolve_model
    from .errors import IndexMismatchError, IndexNotFoundError
    from .index import open_store

    try:
        built = open_store(index).read_manifest().model
    except IndexNotFoundError:
        build_index(seeds, index, settings=Settings(model=model, show_progress=sys.stderr.isatty()))
        return
    info = resolve_model(model)
    if built["fingerprint"] != info.fingerprint:
        from .index import describe_location

        shown = describe_location(index)  # a URL without its password
        raise IndexMismatchError(f"index at {shown} was built with model {built['name']}, not {info.name}; "
                                 f"run `qa build --full --index {shown} --model {model}` first")


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        creds = _read_credentials(args.auth, args.auth_file)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"qa serve: error: {exc}\n")
        return 2
    host = args.host.strip() or "127.0.0.1"  # what an empty --host binds to anyway
    _check_bindable(host, args.port)
    from . import IndexLocationError, check_locations

    try:  # the chat builds from --seeds into --index (and rebuilds on request): as `qa build` would
        check_locations(Path(args.seeds), args.index)
    except (FileNotFoundError, IndexLocationError) as exc:
        sys.stderr.write(f"qa serve: error: {exc}\n")
        return 2
    if creds is None and not _is_loopback(host):
        sys.stderr.write(f"qa serve: warning: listening on {host} without --auth; anyone who can reach "
                         "this port can read the documents and upload files\n")
    if args.model:
        _index_with_model(args.index, args.seeds, args.model)
    _serve_logging(args.verbose)
    # Model loading noise (the "Loading weights" bar of a first ONNX export) means nothing to a user;
    # set before Gradio imports huggingface_hub, which reads it once.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from ui.app import launch  # Gradio is imported only here, never by `qa ask` or `qa build`
    from ui.service import Service

    from .index import describe_location, is_url

    seeds = Path(args.seeds).resolve()
    index = args.index if is_url(args.index) else Path(args.index).resolve()
    service = Service(seeds, index)
    sys.stderr.write(f"qa serve: documents folder {seeds} (uploads go here); index {describe_location(index)}\n")
    service.start()  # logs "no index ... yet; building it" and the build's progress
    from .throttle import Throttle

    throttle = Throttle()  # failed sign-ins to the chat, REST and MCP counted together, per client
    extra, lifespan, ahead = _machine_routes(service, args.mcp, creds, host, throttle)
    shown = f"http://{host}:{args.port}"
    sys.stderr.write(f"qa serve: REST API at {shown}/api/v1 (schema: /api/v1/openapi.json)"
                     + (f", MCP at {shown}/mcp" if args.mcp else "")
                     + (", HTTP Basic sign-in required" if creds else "") + "\n")
    if args.watch:
        service.watch()
        sys.stderr.write(f"qa serve: watching {seeds} for changes; they are indexed within seconds\n")
    try:
        # Without --concurrency the app's own measured setting applies (ui.app.ANSWER_CONCURRENCY).
        chosen = {} if args.concurrency is None else {"answer_concurrency": args.concurrency}
        launch(service, host=host, port=args.port, auth=creds, trusted_proxies=args.trusted_proxy, routes=extra,
               lifespan=lifespan, throttle=throttle, ahead=ahead, **chosen)
    except OSError as exc:  # port taken, address not available here
        sys.stderr.write(f"qa serve: error: cannot listen on {host}:{args.port}: {exc}\n")
        return 1
    return 0


def _machine_routes(service, mcp: bool, creds: list[tuple[str, str]] | None, host: str, throttle=None):
    """The REST API (and with --mcp the MCP endpoint) over the service's current index."""
    from ui.service import NotReady

    from .errors import IndexNotFoundError
    from .rest import routes
    from .tools import Tools

    def current():
        try:
            return service.current_retriever()
        except NotReady as exc:  # the REST API answers 503, MCP a tool error, with the reason
            raise IndexNotFoundError(str(exc)) from None

    return routes(Tools(current), mcp=mcp, credentials=creds, host=host, throttle=throttle)


def _serve_logging(verbose: bool) -> None:
    """`qa serve` reports build progress, finished builds and failed sign-ins in the terminal."""
    if verbose:
        return  # the root handler already shows INFO from everything
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("qa serve: %(message)s"))
    for name in ("ui", "qa.throttle", "qa.http_auth"):  # the app; failed and refused sign-ins
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False  # the root handler shows warnings only, and would repeat these


def _read_credentials(auth: str | None, auth_file: str | None) -> list[tuple[str, str]] | None:
    """USER:PASSWORD pairs from --auth and/or --auth-file (one a line; # comments, blanks ignored)."""
    lines: list[tuple[str, str]] = []
    if auth_file:
        for n, line in enumerate(Path(auth_file).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append((f"{auth_file}:{n}", line.strip()))
    if auth:
        lines.append(("--auth", auth))
    creds = []
    for where, text in lines:
        user, sep, password = text.partition(":")
        if not sep or not user or not password:
            raise ValueError(f"{where}: expected USER:PASSWORD")
        creds.append((user, password))
    return creds or None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_bindable(host: str, port: int) -> None:
    """Fail early, in one line, when the server could not listen on host:port."""
    import socket

    try:
        addresses = socket.getaddrinfo(host or "127.0.0.1", port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve host {host!r} ({exc.strerror})") from None
    errors = []
    for family, kind, proto, _, address in addresses:  # "localhost" may be ::1 and 127.0.0.1
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself does
            try:
                probe.bind(address)
                return
            except OSError as exc:
                errors.append(exc.strerror or str(exc))
    raise OSError(f"cannot listen on {host}:{port} ({errors[0]})")
