"""StartContentModeration / GetContentModeration: asynchronous video moderation, as on AWS.

A job downloads the video from S3, samples one frame per second with OpenCV, runs the image
moderation model on each sampled frame and stores the labels with their timestamps; then it
publishes AWS's completion message to the job's SNS topic. Jobs run on a small thread pool in
the endpoint's process (video decoding and inference are CPU-bound; two at a time keeps requests
responsive). A job that was running when the process stopped is marked FAILED at the next start.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import secrets
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cv2
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from tenants.aws import aws_client
from vision.local import moderation
from vision.local.models import ModerationDetection, ModerationJob
from vision.local.operations.common import (
    MODERATION_MODEL_VERSION,
    allowed,
    note_moderation_coverage,
    page_size,
    s3_arguments,
    s3_object_size,
)
from vision.local.operations.common import decode_token as decode_page_token
from vision.local.operations.common import encode_token as encode_page_token
from vision.local.protocol import (
    AccessDeniedError,
    Account,
    Call,
    IdempotentParameterMismatchError,
    InvalidParameterError,
    InvalidS3ObjectError,
    ResourceNotFoundError,
    UnsupportedOperationError,
    VideoTooLargeError,
)

logger = logging.getLogger(__name__)

API_NAME = "StartContentModeration"
COPY_CHUNK_BYTES = 1024 * 1024
SAMPLE_INTERVAL_MS = 1000.0
RESULTS_DEFAULT = RESULTS_MAXIMUM = 1000  # AWS: default and cap of GetContentModeration's MaxResults
WORKERS = 2
# The ISO base-media (MP4/MOV) box types a file can start with. AWS takes MPEG-4 and MOV only.
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"}
# FourCC → the codec name AWS reports in VideoMetadata.Codec.
_CODECS = {
    "avc1": "h264",
    "h264": "h264",
    "H264": "h264",
    "hev1": "hevc",
    "hvc1": "hevc",
    "mp4v": "mpeg4",
    "FMP4": "mpeg4",
}


class VideoJobError(Exception):
    """The video cannot be moderated; the message becomes the job's StatusMessage."""


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="rekognition-local-video")


def start_content_moderation(call: Call) -> dict[str, Any]:
    params, account = call.params, call.account
    video = params["Video"].get("S3Object")
    if video is None:
        raise InvalidParameterError("Video must name an S3Object.")
    token = params.get("ClientRequestToken", "")
    fingerprint = _fingerprint(params)
    if token and (existing := _by_token(account, token)) is not None:
        return _idempotent_reply(existing, fingerprint)
    channel = params.get("NotificationChannel", {})
    topic = channel.get("SNSTopicArn", "")
    if topic and not allowed(topic, settings.VERITY_LOCAL_REKOGNITION_SNS_TOPICS):
        raise AccessDeniedError(
            f"The local endpoint may not publish to {topic} (see VERITY_LOCAL_REKOGNITION_SNS_TOPICS)."
        )
    # Refused before anything is downloaded; the download is capped too (the object may change).
    if s3_object_size(video, account.region) > _max_video_bytes():
        raise VideoTooLargeError(f"The video is larger than {_max_video_bytes()} bytes.")
    try:
        with transaction.atomic():
            job = ModerationJob.objects.create(
                account=account.access_key_id,
                region=account.region,
                job_id=secrets.token_hex(32),
                client_request_token=token,
                request_fingerprint=fingerprint,
                video_bucket=video["Bucket"],
                video_name=video["Name"],
                video_version=video.get("Version", ""),
                min_confidence=params.get("MinConfidence", moderation.DEFAULT_MIN_CONFIDENCE),
                job_tag=params.get("JobTag", ""),
                sns_topic_arn=topic,
                role_arn=channel.get("RoleArn", ""),
            )
            transaction.on_commit(lambda: _executor().submit(run_job, job.pk))
    except IntegrityError:  # the same token, started concurrently
        existing = _by_token(account, token)
        if existing is None:
            raise
        return _idempotent_reply(existing, fingerprint)
    return {"JobId": job.job_id}


def _max_video_bytes() -> int:
    """VERITY_LOCAL_REKOGNITION_MAX_VIDEO_BYTES (AWS takes up to 10 GB; a local disk and CPU do not)."""
    return int(settings.VERITY_LOCAL_REKOGNITION_MAX_VIDEO_BYTES)


def _fingerprint(params: dict[str, Any]) -> str:
    significant = {name: value for name, value in params.items() if name != "ClientRequestToken"}
    return hashlib.sha256(json.dumps(significant, sort_keys=True).encode()).hexdigest()


def _by_token(account: Account, token: str) -> ModerationJob | None:
    return ModerationJob.objects.filter(
        account=account.access_key_id, region=account.region, client_request_token=token
    ).first()


def _idempotent_reply(job: ModerationJob, fingerprint: str) -> dict[str, Any]:
    if job.request_fingerprint != fingerprint:
        raise IdempotentParameterMismatchError("ClientRequestToken was already used with other parameters.")
    return {"JobId": job.job_id}


def get_content_moderation(call: Call) -> dict[str, Any]:
    params, account = call.params, call.account
    if params.get("AggregateBy", "TIMESTAMPS") != "TIMESTAMPS":
        raise UnsupportedOperationError("AggregateBy SEGMENTS is not implemented by the local endpoint.")
    job = ModerationJob.objects.filter(
        account=account.access_key_id, region=account.region, job_id=params["JobId"]
    ).first()
    if job is None:
        raise ResourceNotFoundError(f"Job {params['JobId']} was not found.")
    note_moderation_coverage(call)
    sort_by = params.get("SortBy", "TIMESTAMP")
    response: dict[str, Any] = {
        "JobStatus": job.status,
        "JobId": job.job_id,
        "Video": {"S3Object": job.s3_object},
        "ModerationModelVersion": MODERATION_MODEL_VERSION,
        "GetRequestMetadata": {"SortBy": sort_by, "AggregateBy": "TIMESTAMPS"},
        "ModerationLabels": [],
    }
    if job.job_tag:
        response["JobTag"] = job.job_tag
    if job.status == ModerationJob.Status.FAILED:
        response["StatusMessage"] = job.status_message
    if job.status != ModerationJob.Status.SUCCEEDED:
        return response

    limit = page_size(params.get("MaxResults"), default=RESULTS_DEFAULT, maximum=RESULTS_MAXIMUM)
    offset = decode_page_token(params["NextToken"], int) if "NextToken" in params else 0
    order = ("timestamp_ms", "name", "pk") if sort_by == "TIMESTAMP" else ("name", "timestamp_ms", "pk")
    page = list(job.detections.order_by(*order)[offset : offset + limit + 1])
    response["VideoMetadata"] = job.video_metadata
    response["ModerationLabels"] = [
        {
            "Timestamp": detection.timestamp_ms,
            "ModerationLabel": {
                "Confidence": detection.confidence,
                "Name": detection.name,
                "ParentName": detection.parent_name,
                "TaxonomyLevel": detection.taxonomy_level,
            },
        }
        for detection in page[:limit]
    ]
    if len(page) > limit:
        response["NextToken"] = encode_page_token(offset + limit)
    return response


def run_job(job_pk: int) -> None:
    """Moderate one job's video, record the outcome, notify; runs on the job thread pool."""
    try:
        job = ModerationJob.objects.get(pk=job_pk)
        try:
            metadata, detections = _moderate_video(job)
        except VideoJobError as exc:
            _finish(job, ModerationJob.Status.FAILED, str(exc))
        except Exception:
            logger.exception("Content moderation job %s failed", job.job_id)
            _finish(job, ModerationJob.Status.FAILED, "Internal error while processing the video.")
        else:
            with transaction.atomic():
                for detection in detections:
                    detection.job = job
                ModerationDetection.objects.bulk_create(detections)
                job.video_metadata = metadata
                _finish(job, ModerationJob.Status.SUCCEEDED, "")
        _notify(job)
    finally:
        connections.close_all()  # this thread's own connections


def _finish(job: ModerationJob, status: str, message: str) -> None:
    job.status = status
    job.status_message = message
    job.completed_at = timezone.now()
    job.save(update_fields=["status", "status_message", "video_metadata", "completed_at"])


def _moderate_video(job: ModerationJob) -> tuple[dict[str, Any], list[ModerationDetection]]:
    with tempfile.NamedTemporaryFile(suffix=".video") as local:
        try:
            body = aws_client("s3", job.region).get_object(**s3_arguments(job.s3_object))["Body"]
        except (ClientError, BotoCoreError) as exc:
            raise VideoJobError(InvalidS3ObjectError().message) from exc
        with body:
            _copy_capped(body, local, _max_video_bytes())
        local.flush()
        local.seek(4)
        if local.read(4) not in _MP4_BOXES:
            raise VideoJobError("Unsupported video container: Amazon Rekognition Video takes MPEG-4 or MOV files.")
        return _sample_frames(local.name, job.min_confidence)


def _copy_capped(source: Any, target: Any, limit: int) -> None:
    copied = 0
    while chunk := source.read(COPY_CHUNK_BYTES):
        copied += len(chunk)
        if copied > limit:
            raise VideoJobError(f"The video is larger than {limit} bytes.")
        target.write(chunk)


def _sample_frames(path: str, min_confidence: float) -> tuple[dict[str, Any], list[ModerationDetection]]:
    capture = cv2.VideoCapture(path)
    try:
        if not capture.isOpened():
            raise VideoJobError("The video could not be decoded.")
        frame_rate = float(capture.get(cv2.CAP_PROP_FPS))
        fourcc = int(capture.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode("latin-1").strip("\0 ")
        detections: list[ModerationDetection] = []
        next_sample = 0.0
        frames = 0
        last_ms = 0.0
        while capture.grab():
            frames += 1
            last_ms = float(capture.get(cv2.CAP_PROP_POS_MSEC))
            if last_ms + 0.5 < next_sample:
                continue
            ok, frame = capture.retrieve()
            if not ok:
                continue
            next_sample += SAMPLE_INTERVAL_MS
            detections += [
                ModerationDetection(
                    timestamp_ms=round(last_ms),
                    name=label["Name"],
                    parent_name=label["ParentName"],
                    confidence=label["Confidence"],
                    taxonomy_level=label["TaxonomyLevel"],
                )
                for label in moderation.detect_moderation_labels(frame, min_confidence=min_confidence)
            ]
        if frames == 0:
            raise VideoJobError("The video has no decodable frames.")
        metadata = {
            "Codec": _CODECS.get(fourcc, fourcc.lower()),
            "DurationMillis": round(last_ms + (1000 / frame_rate if frame_rate > 0 else 0)),
            "Format": "QuickTime / MOV",
            "FrameRate": frame_rate,
            "FrameHeight": int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            "FrameWidth": int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
        }
        return metadata, detections
    finally:
        capture.release()


def _notify(job: ModerationJob) -> None:
    """Publish AWS's completion message to the job's SNS topic (the RoleArn is not assumed)."""
    if not job.sns_topic_arn:
        return
    message: dict[str, Any] = {
        "JobId": job.job_id,
        "Status": job.status,
        "API": API_NAME,
        "Timestamp": int(time.time() * 1000),
        "Video": {"S3ObjectName": job.video_name, "S3Bucket": job.video_bucket},
    }
    if job.job_tag:
        message["JobTag"] = job.job_tag
    region = job.sns_topic_arn.split(":")[3]
    try:
        aws_client("sns", region).publish(TopicArn=job.sns_topic_arn, Message=json.dumps(message))
    except (ClientError, BotoCoreError):
        logger.warning("Could not publish completion of job %s to %s", job.job_id, job.sns_topic_arn, exc_info=True)


def fail_interrupted_jobs() -> int:
    """Mark jobs left IN_PROGRESS by a stopped process as FAILED; call once at startup."""
    return ModerationJob.objects.filter(status=ModerationJob.Status.IN_PROGRESS).update(
        status=ModerationJob.Status.FAILED,
        status_message="The local endpoint stopped while the job was running.",
        completed_at=timezone.now(),
    )
