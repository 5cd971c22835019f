"""The AI sandbox app: Gemini's and OpenAI's endpoints, and the control API."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import JSONResponse

from sandbox_ai.config import Settings
from sandbox_ai.errors import GeminiError, OpenAIError, install
from sandbox_ai.routes_control import router as control
from sandbox_ai.routes_gemini import router as gemini
from sandbox_ai.routes_openai import router as openai
from sandbox_ai.state import World


def _is_openai(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/v1/chat", "/v1/responses")) or (
        path.startswith("/v1/models")
        and request.headers.get("authorization", "").lower().startswith("bearer ")
    )


def create_app(settings: Settings | None = None, world: World | None = None) -> FastAPI:
    """Build the sandbox; tests may pass their own settings and world."""
    settings = settings or Settings()
    app = FastAPI(
        title="sandbox-ai",
        description="A local stand-in for Gemini (generateContent) and OpenAI (chat completions, responses).",
    )
    app.state.settings = settings
    app.state.world = world or World(settings.request_log_size)
    install(app)

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        """An unexpected failure still answers in the provider's envelope."""
        if _is_openai(request):
            return JSONResponse(OpenAIError(500).body(), status_code=500)
        if request.url.path.startswith("/sandbox"):
            return JSONResponse({"detail": repr(exc)}, status_code=500)
        return JSONResponse(GeminiError(500).body(), status_code=500)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": exc.errors()}, status_code=422)

    app.add_exception_handler(Exception, on_crash)
    app.add_exception_handler(RequestValidationError, on_validation)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in (control, openai, gemini):
        app.include_router(router)
    return app
