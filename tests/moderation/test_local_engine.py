"""Safe photos end to end through the local Rekognition endpoint (its open-NSFW model): approved.

The local endpoint detects only explicit nudity (docs/local-rekognition.md), so it can show the
approve path honestly; unsafe answers in every category come from the Stubber tests.
"""

from __future__ import annotations

import base64

import pytest

from tests.conftest import make_caller
from tests.moderation.conftest import FACES
from tests.vision.endpoint.endpoint_helpers import ENDPOINT_TESTS

pytestmark = [*ENDPOINT_TESTS, pytest.mark.usefixtures("aws_and_rekognition")]


@pytest.mark.parametrize("photo", ["person_a_1.jpg", "impostor_2.jpg"])
def test_a_safe_photo_is_approved_by_the_local_engine(photo: str) -> None:
    caller = make_caller()
    image = base64.b64encode((FACES / photo).read_bytes()).decode()
    response = caller.client.post("/v1/moderation/images", {"image": image}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["decision"], body["labels"], body["driving_category"]) == (
        "succeeded",
        "approve",
        [],
        "",
    )
    assert body["moderation_model_version"] == "open-nsfw-taxonomy-7.0"
