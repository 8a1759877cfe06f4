"""Teachers the service can call: one client module per protocol behind one interface.

Shared by shadow mode (`service.cost.shadow`: whole texts, in the background) and escalation
(`service.routing.escalation`: a request's low-confidence sentences, batched in one call)::

    base.py     TeacherClient (translate(texts, source, target) -> TeacherAnswer | raises
                TeacherError), HttpTeacher (one httpx client, errors mapped to reasons)
    mt.py       another instance of this service: POST {url}/v1/translate
    chat.py     an OpenAI-compatible chat endpoint: POST {url}/chat/completions
    deepl.py    a DeepL-compatible API: POST {url}/v2/translate
    bundle.py   a teacher bundle served in-process on its own dispatcher (CTranslate2)
    factory.py  build_teacher(settings): the configured client

Every call has a time limit; a failure is a `TeacherError` whose ``reason`` (timeout,
unavailable, http_error, bad_answer) is a metric label. Messages never carry request text.
"""

from service.teachers.base import TeacherAnswer, TeacherClient, TeacherError

__all__ = ["TeacherAnswer", "TeacherClient", "TeacherError"]
