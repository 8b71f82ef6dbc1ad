"""Google's official Python SDK (google-genai) pointed at Easel's Gemini-compatible endpoint:
only the base URL and the key change. Each test checks what the SDK returns and what Easel's
history holds."""
import json
import uuid

import pytest
from google import genai
from google.genai import errors, types

from conftest import http_json
from images import image_size

# A config's display name, which wins over API model names (other suites add configs that share
# Nano Banana 2's API model name, with tokens of their own).
NANO_BANANA_2 = "Nano Banana 2"


def images(response):
    return [p.inline_data for p in response.candidates[0].content.parts if p.inline_data and not p.thought]


@pytest.fixture(scope="module")
def member_key(easel):
    secret, _ = easel.api_key(easel.member_email, "sdk tests")
    return secret


@pytest.fixture
def sdk(easel, member_key):
    return genai.Client(api_key=member_key, http_options=types.HttpOptions(base_url=easel.url))


def history(easel, key, **filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    status, body, _ = http_json("GET", f"{easel.url}/api/v1/generations?{query}", headers={"Authorization": f"Bearer {key}"})
    assert status == 200, body
    return body["items"]


def small_image():
    return types.GenerateContentConfig(
        response_modalities=["TEXT", "IMAGE"], image_config=types.ImageConfig(aspect_ratio="16:9", image_size="512"))


def test_text_to_image_is_answered_and_recorded(easel, sdk, member_key):
    prompt = f"a red kite over the sea {uuid.uuid4().hex[:6]}"
    response = sdk.models.generate_content(model=NANO_BANANA_2, contents=prompt, config=small_image())
    [image] = images(response)
    assert image.mime_type == "image/jpeg"  # Gemini 3 answers JPEG
    assert image_size(image.data) == (688, 384)
    assert response.usage_metadata.total_token_count > 0
    assert response.model_version
    assert any(p.thought_signature for p in response.candidates[0].content.parts)

    [stored] = history(easel, member_key, q=prompt.split()[-1])
    assert stored["status"] == "succeeded" and stored["source"] == "api"
    assert stored["prompt"] == prompt and stored["aspectRatio"] == "16:9" and stored["imageSize"] == "512"
    assert len(stored["images"]) == 1 and stored["conversationId"] is None
    assert stored["usage"]["totalTokens"] == response.usage_metadata.total_token_count


def test_models_are_listed_and_each_listed_name_calls_its_config(easel, sdk):
    listed = {m.display_name: m.name for m in sdk.models.list()}
    assert {"Nano Banana 2 Lite", "Nano Banana 2", "Nano Banana Pro"} <= set(listed)
    for display_name, name in listed.items():
        assert sdk.models.get(model=name).display_name == display_name
    response = sdk.models.generate_content(model=listed["Nano Banana Pro"], contents="a listed-name call",
                                           config=types.GenerateContentConfig(image_config=types.ImageConfig(image_size="1K")))
    assert len(images(response)) == 1


def test_an_edit_sends_the_input_image(easel, sdk, member_key, recorded):
    source = images(sdk.models.generate_content(model=NANO_BANANA_2, contents="a plain mug", config=small_image()))[0]
    tag = uuid.uuid4().hex[:6]
    response = sdk.models.generate_content(
        model=NANO_BANANA_2,
        contents=[types.Part.from_bytes(data=source.data, mime_type=source.mime_type), f"put a hat on it {tag}"],
        config=small_image(),
    )
    assert len(images(response)) == 1
    # The image reached the upstream, and history keeps it as the generation's input.
    sent = recorded()[-1]["body"]["contents"][-1]["parts"]
    assert any("inlineData" in part for part in sent)
    [stored] = history(easel, member_key, q=tag)
    assert len(stored["inputImageIds"]) == 1


def test_a_chat_replays_the_first_turn_with_its_signature(easel, sdk, recorded):
    chat = sdk.chats.create(model=NANO_BANANA_2, config=small_image())
    chat.send_message("a cabin in the woods")
    second = chat.send_message("now add snow")
    assert len(images(second)) == 1
    body = recorded()[-1]["body"]
    contents = body["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user"]
    model_image = [p for p in contents[1]["parts"] if "inlineData" in p]
    assert model_image and model_image[0].get("thoughtSignature")


def test_streaming_passes_chunks_through(easel, sdk, member_key):
    tag = uuid.uuid4().hex[:6]
    chunks = list(sdk.models.generate_content_stream(model=NANO_BANANA_2, contents=f"a streamed lighthouse {tag}", config=small_image()))
    assert len(chunks) >= 2
    assert any(p.inline_data for c in chunks for p in (c.candidates[0].content.parts or []))
    assert chunks[-1].usage_metadata.total_token_count > 0
    [stored] = history(easel, member_key, q=tag)
    assert stored["status"] == "succeeded" and len(stored["images"]) == 1


def test_an_unknown_model_is_googles_404(sdk):
    with pytest.raises(errors.ClientError) as raised:
        sdk.models.generate_content(model="gemini-0-imaginary", contents="x")
    assert raised.value.code == 404
    assert raised.value.status == "NOT_FOUND"


def test_a_revoked_key_is_refused(easel):
    secret, key_id = easel.api_key(easel.member_email, "to revoke")
    status, _, _ = http_json("DELETE", f"{easel.url}/api/v1/keys/{key_id}", headers=easel.session(easel.member_email))
    assert status == 204
    revoked = genai.Client(api_key=secret, http_options=types.HttpOptions(base_url=easel.url))
    with pytest.raises(errors.ClientError) as raised:
        revoked.models.generate_content(model=NANO_BANANA_2, contents="x")
    assert raised.value.code == 400
    assert "API key not valid" in raised.value.message


def test_a_used_up_quota_is_refused_before_the_upstream(easel, sdk, member_key, recorded):
    root = easel.session(easel.root_email, easel.root_password)
    tenant = f"{easel.url}/api/v1/tenants/{easel.tenant_id}"
    status, body, _ = http_json("PATCH", tenant, {"limits": {"monthlyImageQuota": 0}}, root)
    assert status == 200, body
    try:
        tag = uuid.uuid4().hex[:6]
        with pytest.raises(errors.ClientError) as raised:
            sdk.models.generate_content(model=NANO_BANANA_2, contents=f"over quota {tag}", config=small_image())
        assert raised.value.code == 429
        assert raised.value.status == "RESOURCE_EXHAUSTED"
        assert "monthly image quota" in raised.value.message
        assert history(easel, member_key, q=tag) == []
        assert not any(tag in json.dumps(request) for request in recorded())
    finally:
        http_json("PATCH", tenant, {"limits": {"monthlyImageQuota": None}}, root)


def test_count_tokens_is_passed_through_and_not_recorded(easel, sdk, member_key):
    tag = uuid.uuid4().hex[:6]
    counted = sdk.models.count_tokens(model=NANO_BANANA_2, contents=f"how many tokens is this {tag}")
    assert counted.total_tokens > 0
    assert history(easel, member_key, q=tag) == []


@pytest.mark.parametrize("path", ["/v1beta/models/gemini-3.1-flash-image:generateContent", "/api/v1/generations"])
def test_a_body_cut_short_is_a_400_not_a_500(easel, member_key, path):
    """A client that declares more body than it sends and then closes its side: the request is
    not valid HTTP, and Easel says so (it used to answer 500 and log an unexpected error)."""
    import socket
    from urllib.parse import urlparse

    url = urlparse(easel.url)
    body = b'{"contents":[{"parts":[{"text":"cut'
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.hostname}\r\nContent-Type: application/json\r\n"
        f"x-goog-api-key: {member_key}\r\nAuthorization: Bearer {member_key}\r\nContent-Length: {len(body) + 100}\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=30) as connection:
        connection.sendall(head + body)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0].decode()
    # Either a 400 naming the problem, or the connection closed unanswered; never a 500.
    assert not status_line or " 400 " in status_line, answer[:300]
    if status_line:
        assert b"malformed_request" in answer or b"INVALID_ARGUMENT" in answer, answer[:300]
