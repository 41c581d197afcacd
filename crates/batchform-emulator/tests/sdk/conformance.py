"""Drive the emulator with the official OpenAI Python SDK and assert that it behaves like the
real Files + Batches API: the SDK's typed models validate every response, errors map to the
SDK's exception classes, pagination works, and batches reach every terminal state.

Usage: conformance.py FAST_URL CANCEL_URL EXPIRE_URL API_KEY PARTIAL_URL
  FAST_URL   emulator whose batches finish in well under a second
  CANCEL_URL emulator whose batches stay in `validating` and cancel within ~1 s; it injects
             a 429 on its first GET /v1/files and honours the x-batchform-fault header
  EXPIRE_URL emulator whose batches run past their 24 h window within ~1 s
  PARTIAL_URL emulator whose batches run one request per 0.5 s, to cancel half-way
Run by `cargo test` (tests/sdk_conformance.rs); exits non-zero on the first failed check.
"""

import json
import sys
import time

import openai
from openai import OpenAI
from openai.types import (
    Batch,
    Completion,
    CreateEmbeddingResponse,
    FileDeleted,
    FileObject,
    ModerationCreateResponse,
)
from openai.types.responses import Response

FAST, CANCEL, EXPIRE, KEY, PARTIAL = sys.argv[1:6]
TERMINAL = ("completed", "failed", "cancelled", "expired")


def client(base, **kw):
    kw.setdefault("max_retries", 0)
    return OpenAI(base_url=base, api_key=KEY, **kw)


def strict(model, raw, known_extra=()):
    """Validate a raw JSON object against an SDK model and reject fields it does not know
    (except `known_extra`: fields the real API sends that this SDK's model lacks)."""
    unknown = set(raw) - set(model.model_fields) - set(known_extra)
    assert not unknown, f"{model.__name__} has no fields {unknown}: {raw}"
    return model.model_validate(raw)


def raw_json(response):
    return json.loads(response.http_response.text)


def jsonl(lines):
    return "\n".join(json.dumps(line) for line in lines).encode()


def chat(custom_id, text, model="gpt-4o-mini"):
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": text}]},
    }


def wait(c, batch_id, limit=30.0):
    seen = []
    deadline = time.time() + limit
    while True:
        raw = raw_json(c.batches.with_raw_response.retrieve(batch_id))
        b = strict(Batch, raw)
        if not seen or seen[-1] != b.status:
            seen.append(b.status)
        if b.status in TERMINAL:
            return b, seen
        assert time.time() < deadline, f"{batch_id} stuck in {seen}"
        time.sleep(0.05)


def expect(exc_type, status, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc_type as e:
        assert e.status_code == status, (e.status_code, e)
        assert e.request_id and e.request_id.startswith("req_"), e.request_id
        return e
    raise AssertionError(f"expected {exc_type.__name__}")


def files_and_pagination():
    c = client(FAST)
    raw = raw_json(c.files.with_raw_response.create(file=("in.jsonl", jsonl([chat("a", "hi")])), purpose="batch"))
    f = strict(FileObject, raw)
    assert f.id.startswith("file-") and f.purpose == "batch" and f.status == "processed"
    assert f.filename == "in.jsonl" and f.bytes == len(jsonl([chat("a", "hi")]))
    assert f.expires_at == f.created_at + 30 * 86400
    assert c.files.retrieve(f.id).id == f.id
    assert c.files.content(f.id).content == jsonl([chat("a", "hi")])

    ids = [c.files.create(file=(f"n{i}.txt", b"note"), purpose="user_data").id for i in range(5)]
    listed = [x.id for x in c.files.list(purpose="user_data", limit=2)]  # auto-paginates
    assert listed == ids[::-1], (listed, ids)
    first = c.files.list(purpose="user_data", limit=2, order="asc")
    assert [x.id for x in first.data] == ids[:2] and first.has_more
    page = raw_json(c.files.with_raw_response.list(limit=1))
    assert set(page) == {"object", "data", "first_id", "last_id", "has_more"}, page

    gone = c.files.delete(ids[0])
    assert isinstance(gone, FileDeleted) and gone.deleted and gone.id == ids[0]
    expect(openai.NotFoundError, 404, c.files.retrieve, ids[0])
    e = expect(openai.BadRequestError, 400, c.files.create, file=("in.csv", b"a,b"), purpose="batch")
    assert e.message.endswith("Invalid file format for Batch API. Must be .jsonl"), e.message
    e = expect(openai.BadRequestError, 400, c.files.content, ids[1])
    assert "Not allowed to download files of purpose: user_data" in e.message
    return f


def completed_batch(input_file):
    c = client(FAST)
    rejected = {"custom_id": "bad", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "gpt-4o-mini"}}
    f = c.files.create(file=("run.jsonl", jsonl([chat("a", "hello"), chat("b", "world"), rejected])), purpose="batch")
    created = c.batches.with_raw_response.create(
        input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h", metadata={"team": "qa"}
    )
    raw = raw_json(created)
    b = strict(Batch, raw)
    assert created.headers["x-request-id"].startswith("req_")
    assert b.id.startswith("batch_") and b.status == "validating" and b.metadata == {"team": "qa"}
    for key in ("errors", "output_file_id", "error_file_id", "in_progress_at", "completed_at", "cancelled_at"):
        assert key in raw and raw[key] is None, (key, raw)
    assert b.expires_at == b.created_at + 86400
    assert (b.request_counts.total, b.request_counts.completed, b.request_counts.failed) == (0, 0, 0)

    b, seen = wait(c, b.id)
    assert b.status == "completed", seen
    assert seen[0] in ("validating", "in_progress", "finalizing"), seen
    assert b.created_at <= b.in_progress_at <= b.finalizing_at <= b.completed_at
    assert (b.request_counts.total, b.request_counts.completed, b.request_counts.failed) == (3, 2, 1)
    assert b.model == "gpt-4o-mini" and b.usage is not None and b.usage.total_tokens > 0

    out = [json.loads(l) for l in c.files.content(b.output_file_id).text.splitlines()]
    assert sorted(l["custom_id"] for l in out) == ["a", "b"]
    for line in out:
        assert line["id"].startswith("batch_req_") and line["error"] is None
        assert line["response"]["status_code"] == 200
        completion = openai.types.chat.ChatCompletion.model_validate(line["response"]["body"])
        assert completion.choices[0].message.content
    errs = [json.loads(l) for l in c.files.content(b.error_file_id).text.splitlines()]
    assert [(l["custom_id"], l["response"]["status_code"]) for l in errs] == [("bad", 400)]
    assert errs[0]["response"]["body"]["error"]["code"] == "missing_required_parameter"
    assert c.files.retrieve(b.output_file_id).purpose == "batch_output"

    e = expect(openai.ConflictError, 409, c.batches.cancel, b.id)
    assert "Cannot cancel a batch with status 'completed'." in e.message, e.message

    # The all-failed case: completed, no output file.
    bad = c.files.create(file=("bad.jsonl", jsonl([rejected])), purpose="batch")
    b2, _ = wait(c, c.batches.create(input_file_id=bad.id, endpoint="/v1/chat/completions", completion_window="24h").id)
    assert b2.status == "completed" and b2.output_file_id is None and b2.error_file_id


def failed_batch():
    c = client(FAST)
    f = c.files.create(file=("dup.jsonl", jsonl([chat("same", "x"), chat("same", "y")])), purpose="batch")
    b = c.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h")
    b, seen = wait(c, b.id)
    assert b.status == "failed", seen
    assert b.failed_at and b.in_progress_at is None and b.output_file_id is None
    assert b.errors.object == "list"
    assert (b.errors.data[0].code, b.errors.data[0].line) == ("duplicate_custom_id", 2)


def batch_pagination_and_errors(input_file):
    c = client(FAST)
    made = [
        c.batches.create(input_file_id=input_file.id, endpoint="/v1/chat/completions", completion_window="24h").id
        for _ in range(5)
    ]
    listed = [b.id for b in c.batches.list(limit=2)]  # auto-paginates across pages
    assert listed[:5] == made[::-1], (listed, made)
    page = raw_json(c.batches.with_raw_response.list(limit=2))
    assert page["has_more"] is True and page["last_id"] == page["data"][-1]["id"]
    for item in page["data"]:
        strict(Batch, item)

    expect(openai.NotFoundError, 404, c.batches.retrieve, "batch_nope")
    e = expect(openai.NotFoundError, 404, c.batches.create,
               input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h")
    assert "No such File object: file-nope" in e.message
    e = expect(openai.BadRequestError, 400, c.batches.create,
               input_file_id=input_file.id, endpoint="/v1/chat/completions", completion_window="48h")
    assert e.param == "completion_window" and e.code == "invalid_value"
    e = expect(openai.BadRequestError, 400, c.batches.create, input_file_id=input_file.id,
               endpoint="/v1/chat/completions", completion_window="24h", metadata={f"k{i}": "v" for i in range(17)})
    assert e.param == "metadata"
    e = expect(openai.AuthenticationError, 401, OpenAI(base_url=FAST, api_key="sk-wrong-0000", max_retries=0).batches.list)
    assert e.code == "invalid_api_key"


def cancelled_batch():
    c = client(CANCEL)
    f = c.files.create(file=("c.jsonl", jsonl([chat("a", "x")])), purpose="batch")
    b = c.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h")
    raw = raw_json(c.batches.with_raw_response.cancel(b.id))
    cancelling = strict(Batch, raw)
    assert cancelling.status == "cancelling" and cancelling.cancelling_at, raw
    assert c.batches.cancel(b.id).status == "cancelling"  # idempotent while cancelling
    b, seen = wait(c, b.id)
    assert b.status == "cancelled", seen
    assert b.cancelled_at >= b.cancelling_at and b.output_file_id is None
    e = expect(openai.ConflictError, 409, c.batches.cancel, b.id)
    assert "Cannot cancel a batch with status 'cancelled'." in e.message


def faults():
    # The first GET /v1/files answers 429 with Retry-After: 1; the SDK waits and retries.
    c = client(CANCEL, max_retries=2)
    start = time.time()
    c.files.list()
    assert time.time() - start >= 0.9, "the SDK honoured Retry-After"
    # An HTML error page (a proxy in front of the API) surfaces as a 502 with the page text.
    c = client(CANCEL)
    e = expect(openai.InternalServerError, 502, c.batches.list, extra_headers={"x-batchform-fault": "html:502"})
    assert "<html>" in e.response.text


def expired_batch():
    c = client(EXPIRE)
    f = c.files.create(file=("e.jsonl", jsonl([chat(f"r{i}", "x") for i in range(3)])), purpose="batch")
    b = c.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h")
    b, seen = wait(c, b.id)
    assert b.status == "expired", seen
    assert b.expired_at == b.expires_at and b.completed_at is None
    assert b.request_counts.total == 3 and b.request_counts.failed >= 1
    errs = [json.loads(l) for l in c.files.content(b.error_file_id).text.splitlines()]
    assert errs and all(l["response"] is None and l["error"]["code"] == "batch_expired" for l in errs), errs


def endpoint_results():
    """Each endpoint's result bodies validate against the SDK's typed model for it, with no
    field the model does not know."""
    c = client(FAST)
    cases = [
        ("/v1/embeddings", {"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 8},
         CreateEmbeddingResponse),
        ("/v1/responses", {"model": "gpt-4o-mini", "input": "hello"}, Response),
        ("/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "hello"}, Completion),
        ("/v1/moderations", {"model": "omni-moderation-latest", "input": "I will attack"},
         ModerationCreateResponse),
    ]
    for endpoint, body, model in cases:
        lines = [{"custom_id": f"r{i}", "method": "POST", "url": endpoint, "body": body} for i in range(2)]
        f = c.files.create(file=("e.jsonl", jsonl(lines)), purpose="batch")
        b = c.batches.create(input_file_id=f.id, endpoint=endpoint, completion_window="24h")
        b, seen = wait(c, b.id)
        assert b.status == "completed" and b.request_counts.completed == 2, (endpoint, seen, b)
        out = [json.loads(l) for l in c.files.content(b.output_file_id).text.splitlines()]
        assert sorted(l["custom_id"] for l in out) == ["r0", "r1"], out
        for line in out:
            assert line["response"]["status_code"] == 200, line
            # The real Responses API echoes `store` (true by default); the SDK's model has no
            # such field.
            parsed = strict(model, line["response"]["body"], known_extra=("store",) if model is Response else ())
            if model is CreateEmbeddingResponse:
                assert [len(d.embedding) for d in parsed.data] == [8, 8]
                assert parsed.usage.prompt_tokens > 0
            elif model is Response:
                assert parsed.output_text and parsed.status == "completed"
            elif model is Completion:
                assert parsed.choices[0].text
            else:
                assert parsed.results[0].categories.violence and parsed.results[0].flagged


def cancelled_with_partial_results():
    """A cancel while requests run keeps the finished ones: their lines are in the output
    file, the counts stop where the cancel found them, and the rest get no line."""
    c = client(PARTIAL)
    f = c.files.create(file=("p.jsonl", jsonl([chat(f"r{i}", "x") for i in range(20)])), purpose="batch")
    b = c.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h")
    deadline = time.time() + 20
    while c.batches.retrieve(b.id).request_counts.completed < 1:
        assert time.time() < deadline, "no request finished"
        time.sleep(0.05)
    cancelling = strict(Batch, raw_json(c.batches.with_raw_response.cancel(b.id)))
    assert cancelling.status == "cancelling"
    done = cancelling.request_counts.completed
    assert 1 <= done < 20, cancelling.request_counts
    b, seen = wait(c, b.id)
    assert b.status == "cancelled", seen
    assert b.request_counts.completed == done and b.request_counts.failed == 0, b.request_counts
    assert b.completed_at is None and b.error_file_id is None
    out = [json.loads(l) for l in c.files.content(b.output_file_id).text.splitlines()]
    assert len(out) == done, (len(out), done)
    # Requests run in input order, so the finished ones are the first `done`.
    assert sorted(l["custom_id"] for l in out) == sorted(f"r{i}" for i in range(done))
    for line in out:
        openai.types.chat.ChatCompletion.model_validate(line["response"]["body"])
    assert c.files.retrieve(b.output_file_id).purpose == "batch_output"


input_file = files_and_pagination()
endpoint_results()
cancelled_with_partial_results()
completed_batch(input_file)
failed_batch()
batch_pagination_and_errors(input_file)
cancelled_batch()
faults()
expired_batch()
print("conformance: all checks passed")
