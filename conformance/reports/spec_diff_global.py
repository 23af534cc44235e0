"""The spec diff of what is not a schema: the security an operation requires, the security
schemes and the servers.

=======================================================  =======
change                                                   grade
=======================================================  =======
an operation that needed no security now needs some     major
an operation that needed security now needs none         minor
a security alternative removed / added                   major / minor
scopes an alternative requires added / removed           major / minor
security scheme removed / added                          major / minor
security scheme type, scheme, in, name, URLs changed     major
OAuth2 flow removed / added                              major / minor
OAuth2 flow URL changed                                  major
OAuth2 flow scope removed / added                        major / minor
server (top-level ``servers`` URL) removed / added       major / minor
=======================================================  =======

The security of an operation is its own ``security`` or else the top-level one; an
alternative (one entry of the list) is known by the set of scheme names it combines.
"""

from __future__ import annotations

from typing import Any

from conformance.reports.diff_model import Change, Grade, SpecFile

__all__ = ["diff_global", "diff_security"]

MAJOR, MINOR = Grade.MAJOR, Grade.MINOR
SPEC = "(spec)"
_SCHEME_FIELDS = ("type", "scheme", "in", "name", "bearerFormat", "openIdConnectUrl")
_FLOW_URLS = ("authorizationUrl", "tokenUrl", "refreshUrl")


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _alternatives(security: Any) -> dict[frozenset[str], dict[str, set[str]]]:
    out: dict[frozenset[str], dict[str, set[str]]] = {}
    for requirement in security if isinstance(security, list) else []:
        if isinstance(requirement, dict):
            out[frozenset(map(str, requirement))] = {
                str(k): {str(s) for s in v or []} for k, v in requirement.items()}
    return out


def _shown(alternative: frozenset[str]) -> str:
    return " + ".join(sorted(alternative)) or "(none)"


def diff_security(old: SpecFile, new: SpecFile, o: dict[str, Any], n: dict[str, Any],
                  label: str, ptrs: tuple[str, str]) -> list[Change]:
    """Changes to the security one operation requires (``o``, ``n``: the operations)."""
    def effective(spec: SpecFile, op: dict[str, Any], ptr: str) -> tuple[Any, str]:
        if "security" in op:
            return op["security"], f"{ptr}/security"
        return spec.document.get("security"), "/security"

    (so, po), (sn, pn) = effective(old, o, ptrs[0]), effective(new, n, ptrs[1])
    ao, an = _alternatives(so), _alternatives(sn)
    open_o, open_n = not ao or frozenset() in ao, not an or frozenset() in an
    out = []

    def add(kind: str, grade: Grade, message: str, removed: bool = False) -> None:
        out.append(Change(kind, grade, label, "security", message, po if removed else pn,
                          removed))

    if open_o and not open_n:
        add("security_added", MAJOR, "The operation now requires authentication.")
    elif open_n and not open_o:
        add("security_removed", MINOR, "The operation no longer requires authentication.")
    for alt in sorted(set(ao) - set(an), key=_shown):
        if alt and not open_n:
            add("security_requirement_removed", MAJOR,
                f"Security alternative {_shown(alt)} was removed.", removed=True)
    for alt in sorted(set(an) - set(ao), key=_shown):
        if alt and not open_o:
            add("security_requirement_added", MINOR,
                f"Security alternative {_shown(alt)} was added.")
    for alt in sorted(set(ao) & set(an), key=_shown):
        for scheme in sorted(alt):
            more, fewer = an[alt][scheme] - ao[alt][scheme], ao[alt][scheme] - an[alt][scheme]
            if more:
                add("security_scopes_added", MAJOR, f"Security scheme {scheme} now requires "
                    f"scope(s) {', '.join(sorted(more))}.")
            if fewer:
                add("security_scopes_removed", MINOR, f"Security scheme {scheme} no longer "
                    f"requires scope(s) {', '.join(sorted(fewer))}.")
    return out


def _schemes(spec: SpecFile) -> dict[str, Any]:
    raw = (spec.document.get("components") or {}).get("securitySchemes") or {}
    return {str(k): spec.deref(v, f"/components/securitySchemes/{_esc(str(k))}")
            for k, v in raw.items()} if isinstance(raw, dict) else {}


def _scheme(name: str, o: tuple[Any, str], n: tuple[Any, str]) -> list[Change]:
    (so, po), (sn, pn) = o, n
    so, sn = so if isinstance(so, dict) else {}, sn if isinstance(sn, dict) else {}
    loc = f"securitySchemes.{name}"
    out = [Change("security_scheme_changed", MAJOR, SPEC, loc,
                  f"Security scheme {name}: {f} changed from {so.get(f)} to {sn.get(f)}.",
                  f"{pn}/{f}" if f in sn else pn)
           for f in _SCHEME_FIELDS if so.get(f) != sn.get(f)]
    fo, fn = so.get("flows") or {}, sn.get("flows") or {}
    for flow in sorted(set(fo) - set(fn)):
        out.append(Change("security_flow_removed", MAJOR, SPEC, loc, f"Security scheme "
                          f"{name}: OAuth2 flow {flow} was removed.", f"{po}/flows/{flow}", True))
    for flow in sorted(set(fn) - set(fo)):
        out.append(Change("security_flow_added", MINOR, SPEC, loc, f"Security scheme "
                          f"{name}: OAuth2 flow {flow} was added.", f"{pn}/flows/{flow}"))
    for flow in sorted(set(fo) & set(fn)):
        a, b, ptr = fo[flow] or {}, fn[flow] or {}, f"{pn}/flows/{flow}"
        out += [Change("security_flow_url_changed", MAJOR, SPEC, loc, f"Security scheme "
                       f"{name}: {flow} {u} changed from {a.get(u)} to {b.get(u)}.",
                       f"{ptr}/{u}" if u in b else ptr)
                for u in _FLOW_URLS if a.get(u) != b.get(u)]
        sa, sb = set(a.get("scopes") or {}), set(b.get("scopes") or {})
        for scope in sorted(sa - sb):
            out.append(Change("security_scope_removed", MAJOR, SPEC, loc, f"Security scheme "
                              f"{name}: {flow} scope {scope} was removed.",
                              f"{po}/flows/{flow}/scopes/{_esc(scope)}", True))
        for scope in sorted(sb - sa):
            out.append(Change("security_scope_added", MINOR, SPEC, loc, f"Security scheme "
                              f"{name}: {flow} scope {scope} was added.",
                              f"{ptr}/scopes/{_esc(scope)}"))
    return out


def diff_global(old: SpecFile, new: SpecFile) -> list[Change]:
    """Changes to the security schemes and the top-level servers."""
    out = []
    so, sn = _schemes(old), _schemes(new)
    for name in sorted(set(so) - set(sn)):
        out.append(Change("security_scheme_removed", MAJOR, SPEC, f"securitySchemes.{name}",
                          f"Security scheme {name} was removed.", so[name][1], True))
    for name in sorted(set(sn) - set(so)):
        out.append(Change("security_scheme_added", MINOR, SPEC, f"securitySchemes.{name}",
                          f"Security scheme {name} was added.", sn[name][1]))
    for name in sorted(set(so) & set(sn)):
        out += _scheme(name, so[name], sn[name])

    def servers(spec: SpecFile) -> dict[str, str]:
        raw = spec.document.get("servers") or []
        return {str(s.get("url")): f"/servers/{i}" for i, s in enumerate(raw)
                if isinstance(s, dict)} if isinstance(raw, list) else {}

    vo, vn = servers(old), servers(new)
    for url in sorted(set(vo) - set(vn)):
        out.append(Change("server_removed", MAJOR, SPEC, "servers",
                          f"Server {url} was removed.", vo[url], True))
    for url in sorted(set(vn) - set(vo)):
        out.append(Change("server_added", MINOR, SPEC, "servers", f"Server {url} was added.",
                          vn[url]))
    return out
