"""`--json` output: the same text json.dumps gives, written in pieces cut after newlines."""

from __future__ import annotations

import json

from ecrrep.cli import app


class Recording:
    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_a_large_document_is_written_in_pieces_that_end_at_a_newline(monkeypatch):
    stream = Recording()
    monkeypatch.setattr(app.click, "get_text_stream", lambda name: stream)
    document = {"resource_changes": [{"address": f"ecr_repository.us-east-1.apps/{i:05}",
                                      "secret-looking": "x" * 40, "n": i}
                                     for i in range(5000)]}

    app.emit_json(document)

    assert "".join(stream.writes) == json.dumps(document, indent=2) + "\n"
    assert len(stream.writes) > 10
    assert all(piece.endswith("\n") for piece in stream.writes)
    assert max(map(len, stream.writes)) < 2 * app.JSON_WRITE_CHARS


def test_a_small_document_is_one_write_with_non_json_values_as_text(monkeypatch):
    stream = Recording()
    monkeypatch.setattr(app.click, "get_text_stream", lambda name: stream)

    app.emit_json({"when": app.Path("/tmp/x")})

    assert stream.writes == ['{\n  "when": "/tmp/x"\n}\n']
