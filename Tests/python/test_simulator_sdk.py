"""Google's official Python SDK (google-genai) against the Gemini simulator, unchanged but for
its base URL: what works against Google must work here, errors included."""

import os
import subprocess

import pytest
from conftest import SIMULATOR_KEY
from google import genai
from google.genai import errors, types
from images import image_size


def images(response):
    return [p.inline_data for p in response.candidates[0].content.parts if p.inline_data and not p.thought]


def test_text_to_image(client):
    response = client.models.generate_content(model="gemini-2.5-flash-image", contents="A nano banana dish")
    [image] = images(response)
    assert image.mime_type == "image/png"
    assert image_size(image.data) == (1024, 1024)
    assert response.usage_metadata.candidates_token_count >= 1290
    assert "nano banana dish" in response.text


def test_aspect_ratio_and_size(client):
    response = client.models.generate_content(
        model="gemini-3-pro-image",
        contents="A wide mountain landscape",
        config=types.GenerateContentConfig(
            response_modalities=["IMAGE"],
            image_config=types.ImageConfig(aspect_ratio="16:9", image_size="2K"),
        ),
    )
    [image] = images(response)
    assert image.mime_type == "image/jpeg"  # Gemini 3 answers JPEG
    assert image_size(image.data) == (2752, 1536)


def test_image_edit_with_an_input_image(client, recorded):
    first = images(client.models.generate_content(model="gemini-2.5-flash-image", contents="a cat"))[0]
    response = client.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=["Put a small hat on the cat", types.Part.from_bytes(data=first.data, mime_type="image/png")],
    )
    assert len(images(response)) == 1
    sent = recorded()[-1]["body"]["contents"][0]["parts"]
    assert any("inline_data" in part or "inlineData" in part for part in sent)
    # The usage counts the input image as Google does.
    details = {d.modality: d.token_count for d in response.usage_metadata.prompt_tokens_details}
    assert details[types.MediaModality.IMAGE] == 258


def test_chat_multi_turn_replays_thought_signatures(client, recorded):
    chat = client.chats.create(model="gemini-3-pro-image")
    first = chat.send_message("Create a red vintage car")
    assert images(first)[0].data
    second = chat.send_message("Make it a convertible")
    assert len(images(second)) == 1
    history = recorded()[-1]["body"]["contents"]
    assert [turn["role"] for turn in history] == ["user", "model", "user"]
    model_parts = history[1]["parts"]
    image_parts = [p for p in model_parts if "inline_data" in p or "inlineData" in p]
    assert image_parts and all(("thought_signature" in p) or ("thoughtSignature" in p) for p in image_parts)


def test_streaming(client):
    chunks = list(
        client.models.generate_content_stream(model="gemini-3.1-flash-image", contents="[sim:images=2] two kites")
    )
    assert len(chunks) >= 3
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    streamed = [p for c in chunks for p in c.candidates[0].content.parts if p.inline_data]
    assert len(streamed) == 2
    assert chunks[-1].usage_metadata.total_token_count > 0


def test_bad_key_is_a_client_error(simulator):
    bad = genai.Client(api_key="wrong", http_options=types.HttpOptions(base_url=simulator))
    with pytest.raises(errors.ClientError) as raised:
        bad.models.generate_content(model="gemini-2.5-flash-image", contents="x")
    assert raised.value.code == 403
    assert "API key not valid" in raised.value.message


def test_unknown_model_and_bad_arguments(client):
    with pytest.raises(errors.ClientError) as unknown:
        client.models.generate_content(model="gemini-0-nope", contents="x")
    assert unknown.value.code == 404
    assert unknown.value.status == "NOT_FOUND"
    with pytest.raises(errors.ClientError) as bad_ratio:
        client.models.generate_content(
            model="gemini-2.5-flash-image",
            contents="x",
            config=types.GenerateContentConfig(image_config=types.ImageConfig(aspect_ratio="5:1")),
        )
    assert bad_ratio.value.code == 400
    assert "aspect ratio" in bad_ratio.value.message


def test_overload_is_a_server_error(client):
    with pytest.raises(errors.ServerError) as raised:
        client.models.generate_content(model="gemini-2.5-flash-image", contents="[sim:status=503]")
    assert raised.value.code == 503
    assert raised.value.status == "UNAVAILABLE"


def test_safety_block_is_a_response(client):
    response = client.models.generate_content(model="gemini-2.5-flash-image", contents="[sim:block-prompt]")
    assert response.prompt_feedback.block_reason == types.BlockedReason.SAFETY
    assert not response.candidates


def test_todays_simulator_refuses_the_ids_google_shut_down():
    """Started without --served-on, the simulator serves today's list: the ids Google shut down
    are its 404, as they are Google's, and the SDK's model list holds only the served ones."""
    process = subprocess.Popen(
        [os.environ["GEMINI_SIMULATOR_BIN"], "--port", "0", "--key", SIMULATOR_KEY], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(process.stdout.readline().strip())
        today = genai.Client(api_key=SIMULATOR_KEY, http_options=types.HttpOptions(base_url=f"http://127.0.0.1:{port}"))
        for retired in ["gemini-2.5-flash-image", "gemini-3-pro-image-preview", "gemini-3.1-flash-image-preview"]:
            with pytest.raises(errors.ClientError) as raised:
                today.models.generate_content(model=retired, contents="x")
            assert raised.value.code == 404 and raised.value.status == "NOT_FOUND", retired
        listed = {model.name for model in today.models.list()}
        assert listed == {"models/gemini-3-pro-image", "models/gemini-3.1-flash-image", "models/gemini-3.1-flash-lite-image"}
        answer = today.models.generate_content(model="gemini-3.1-flash-image", contents="a kite")
        assert images(answer)[0].mime_type == "image/jpeg"
    finally:
        process.terminate()
        process.wait(timeout=10)
