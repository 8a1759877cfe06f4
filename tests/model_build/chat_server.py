"""A small OpenAI-compatible chat-completions server over a tiny Marian model, for tests.

    CHAT_TEACHER=/path/to/marian CHAT_FAIL_FIRST=2 CHAT_KEY=secret \\
        python -m uvicorn tests.model_build.chat_server:app --port 8123

It answers the first `CHAT_FAIL_FIRST` chat requests with 429 (to exercise retries), demands
`Authorization: Bearer $CHAT_KEY`, translates the last paragraph of the user message, and
reports token usage like the real API.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse

from model_build.config import TeacherConfig
from model_build.teachers.huggingface import MarianTeacher

app = FastAPI()
_lock = threading.Lock()
_state = {"failures_left": int(os.environ.get("CHAT_FAIL_FIRST", "0")), "requests": 0}
_teacher = MarianTeacher(
    TeacherConfig(family="marian", model=os.environ["CHAT_TEACHER"]), "en", "de", 4, 64, 1
)


@app.get("/v1/models")
def models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": "tiny-marian", "object": "model"}]}


@app.post("/v1/chat/completions", response_model=None)
def chat(body: dict[str, Any], authorization: str = Header("")) -> Any:
    if authorization != f"Bearer {os.environ.get('CHAT_KEY', '')}":
        raise HTTPException(401, "bad key")
    with _lock:
        _state["requests"] += 1
        if _state["failures_left"] > 0:
            _state["failures_left"] -= 1
            return JSONResponse({"error": "slow down"}, status_code=429,
                                headers={"Retry-After": "0"})  # fmt: skip
        prompt = body["messages"][-1]["content"]
        text = prompt.rsplit("\n\n", 1)[-1]
        before = _teacher.output_tokens
        translation = _teacher.translate([text])[0]
        completion = _teacher.output_tokens - before
    return {
        "id": f"chatcmpl-{_state['requests']}",
        "object": "chat.completion",
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": translation},
            }
        ],
        "usage": {
            "prompt_tokens": len(prompt.split()),
            "completion_tokens": completion,
            "total_tokens": len(prompt.split()) + completion,
        },
    }
