"""The one scrubbing function: credentials in every printed form, URL passwords."""

from __future__ import annotations

import io

import pytest

from ecrrep.aws import scrub

TOKEN = "TOKENfakeIQoJb3JpZ2luX2VjEHoaTOKEN"


@pytest.fixture(autouse=True)
def registry(monkeypatch):
    monkeypatch.setattr(scrub, "_secrets", set())


@pytest.mark.parametrize("printed", [
    f"Invalid header value b'{TOKEN}\\r'",   # repr of the bytes: backslash, r
    f"token={TOKEN}\r\n",                      # the raw value
    f'{{"token": "{TOKEN}\\r"}}',              # JSON
])
def test_a_token_with_a_carriage_return_is_masked_in_every_form(printed):
    scrub.register_environment_secrets({"AWS_SESSION_TOKEN": TOKEN + "\r"})
    assert "TOKENfake" not in scrub.scrub(printed)
    assert scrub.MASK in scrub.scrub(printed)


def test_url_passwords_are_masked_and_the_rest_of_the_url_kept():
    assert scrub.scrub('Could not connect to "http://me:s3cr3t@127.0.0.1:9/"') == (
        'Could not connect to "http://me:****@127.0.0.1:9/"')
    assert scrub.scrub("https://host:443/path and a:b@c") == "https://host:443/path and a:b@c"


def test_short_values_are_not_scrubbed_as_words():
    scrub.register_secret("testing")
    assert scrub.scrub("my-company-apps/testing") == "my-company-apps/testing"


def test_the_stream_scrubs_what_is_written_and_hides_its_binary_buffer():
    scrub.register_secret(TOKEN)
    out = io.StringIO()
    stream = scrub.ScrubbingStream(out)
    stream.write(f"token {TOKEN}\n")
    assert out.getvalue() == "token ****\n"
    assert not hasattr(stream, "buffer")


def test_secret_assignments_are_masked_whoever_they_belong_to():
    quoted = "not the value 'AWS_ACCESS_KEY_ID=AKIAX AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7'"
    assert scrub.scrub(quoted) == (
        "not the value 'AWS_ACCESS_KEY_ID=AKIAX AWS_SECRET_ACCESS_KEY=****'")
    assert scrub.scrub("DB_PASSWORD=hunter2 PATH=/usr/bin") == "DB_PASSWORD=**** PATH=/usr/bin"
