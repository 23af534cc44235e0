"""Find the operation for a (method, concrete URL): the router of the contract.

Handles custom-verb paths (``/messages:send``, ``/contacts/{destination_id}:merge``,
``/conversations/{message.conversation_id}:inject-message``), percent-encoded segments
(``messages%3Asend``, ``%2F`` inside a parameter value stays in that value), one trailing
slash, and a base path in front of the spec's paths (``/proxy/v1/projects/...``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["Route", "RouteMatch", "Router", "split_url"]

_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Route:
    method: str
    path_template: str
    operation_id: str


@dataclass(frozen=True)
class RouteMatch:
    route: Route | None  # None: the path is documented but not for this method
    path_template: str
    path_params: dict[str, str]
    methods: tuple[str, ...]  # the methods the spec documents for this path


def split_url(url: str) -> tuple[str, str]:
    """(path, query string) of an absolute URL or of a path with an optional query."""
    if "://" in url:
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. an unbalanced '[' in the host: take what follows it
            rest = url.split("://", 1)[1]
            slash = rest.find("/")
            url = rest[slash:] if slash >= 0 else "/"
        else:
            return parts.path or "/", parts.query
    path, _, query = url.partition("?")
    return path or "/", query


def _template_regex(template: str) -> re.Pattern[str]:
    pattern, pos = "", 0
    for m in _PARAM.finditer(template):
        pattern += re.escape(template[pos:m.start()])
        # a value never holds '/' (an encoded slash is still one segment: see _normalise);
        # in the last segment a ':' starts a custom verb (Google's API style), so
        # '/conversations/X:inject-event' is not conversation 'X:inject-event'
        nxt = template[m.end():m.end() + 1]
        last = "/" not in template[m.end():]
        value = "[^/:]+" if last or nxt == ":" else "[^/]+"
        pattern += f"(?P<p{len(pattern)}>{value})"
        pos = m.end()
    pattern += re.escape(template[pos:])
    return re.compile(pattern + r"\Z")


def _normalise(path: str) -> str:
    """Decode percent-escapes except an encoded '/', which must stay inside its segment."""
    segments = path.split("/")
    return "/".join(unquote(s.replace("%2F", "\0").replace("%2f", "\0")) for s in segments)


class Router:
    def __init__(self, routes: list[Route]) -> None:
        by_path: dict[str, list[Route]] = {}
        for route in routes:
            by_path.setdefault(route.path_template, []).append(route)
        # most literal characters first: '/conversations/{id}:stop' before '/conversations/{id}'
        ordered = sorted(by_path, key=lambda t: -len(_PARAM.sub("", t)))
        # a parameter never spans a '/', so only templates with as many segments can match
        self._by_depth: dict[int, list[tuple[str, re.Pattern[str], list[str],
                                             dict[str, Route]]]] = {}
        for t in ordered:
            entry = (t, _template_regex(t), [m.group(1) for m in _PARAM.finditer(t)],
                     {r.method: r for r in by_path[t]})
            self._by_depth.setdefault(t.count("/"), []).append(entry)

    def match(self, method: str, url: str, base_path: str = "") -> RouteMatch | None:
        """The operation for this request, or None when no documented path matches."""
        path, _ = split_url(url)
        path = _normalise(path)
        if base_path and path.startswith(base_path.rstrip("/") + "/"):
            path = path[len(base_path.rstrip("/")):]
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        for template, regex, names, methods in self._by_depth.get(path.count("/"), ()):
            m = regex.match(path)
            if m is None:
                continue
            values = [v.replace("\0", "/") for v in m.groups()]
            params = dict(zip(names, values, strict=True))
            return RouteMatch(methods.get(method.upper()), template, params,
                              tuple(sorted(methods)))
        return None
