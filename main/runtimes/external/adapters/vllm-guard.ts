/**
 * A request guard Homeport loads into every vLLM server it starts, through
 * vLLM's documented `--middleware module.function` flag (an ASGI HTTP
 * middleware found on PYTHONPATH).
 *
 * Why: vLLM's own `--api-key` guards only /v1, /v2 and /inference; its
 * /invocations route runs the same inference unauthenticated, and /tokenize,
 * /metrics and the rest stay open too. vLLM also has no Host check, so a page
 * in the user's browser could reach those routes by DNS rebinding. The guard
 * requires, on every path: a Host naming the server exactly, no browser
 * Origin, and the per-launch key (VLLM_API_KEY), compared in constant time.
 *
 * This file only describes the module (its name, entry and text); the fleet
 * writes it into a private folder at launch (fleet/vllm-guard-file.ts).
 */

export const VLLM_GUARD_MODULE = 'homeport_vllm_guard';
/** The `--middleware` value: module path and function. */
export const VLLM_GUARD_ENTRY = `${VLLM_GUARD_MODULE}.require_key`;
/** The port the server is bound to, which requests must name in Host. */
export const VLLM_GUARD_PORT_ENV = 'HOMEPORT_VLLM_PORT';

export const VLLM_GUARD_SOURCE = `"""Homeport's request guard for a vLLM server it started (loaded with --middleware).

Every request must name the server in Host (127.0.0.1:PORT or localhost:PORT),
carry no Origin and send the per-launch key as Authorization: Bearer KEY.
"""
import hmac
import os

from starlette.responses import JSONResponse

_KEY = os.environ.get("VLLM_API_KEY", "")
_PORT = os.environ.get("${VLLM_GUARD_PORT_ENV}", "")
_HOSTS = {"127.0.0.1:" + _PORT, "localhost:" + _PORT}


def _refuse(status, error_type, code, message):
    body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


async def require_key(request, call_next):
    if request.headers.get("host", "").lower() not in _HOSTS:
        return _refuse(403, "permission_error", "host_not_allowed", "This server only answers requests addressed to 127.0.0.1:" + _PORT + ".")
    if "origin" in request.headers:
        return _refuse(403, "permission_error", "origin_not_allowed", "This server does not answer browser requests; use the Homeport gateway.")
    given = request.headers.get("authorization", "").encode()
    expected = ("Bearer " + _KEY).encode()
    if _KEY == "" or not hmac.compare_digest(given, expected):
        return _refuse(401, "authentication_error", "invalid_api_key", "This server needs its per-launch key; send requests through the Homeport gateway.")
    return await call_next(request)
`;
