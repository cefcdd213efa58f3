"""Run: a registration's liveness step (GetFaceLivenessSessionResults), outside any transaction."""

from __future__ import annotations

from verification.flows import PendingStep, StepOutcome
from verification.models import VerificationStatus
from vision.gateway import Gateway


def liveness_check(gateway: Gateway, step: PendingStep) -> StepOutcome:
    """The session succeeded at or above the tenant's threshold, in time; its reference image becomes the selfie."""
    live = step.liveness
    if live is None:
        return StepOutcome.failure(
            "internal_error", "The verification has no liveness session.", status=VerificationStatus.FAILED
        )
    # A result already recorded as final (a GET of the session) is not asked again: Rekognition
    # keeps a session's results only for a while after it ends.
    answer = live.get("recorded") or gateway.call("GetFaceLivenessSessionResults", SessionId=live["session_id"])
    status, confidence, threshold = str(answer.get("Status", "")), answer.get("Confidence"), live["threshold"]
    reference = (answer.get("ReferenceImage") or {}).get("S3Object")
    recorded = {
        "Status": status,
        "Confidence": confidence,
        "ReferenceImage": {"S3Object": reference} if reference else {},
    }
    result = {
        "session": live["public_id"],
        "status": status,
        "confidence": round(float(confidence), 2) if confidence is not None else None,
        "threshold": threshold,
        "passed": False,
    }

    def refused(code: str, detail: str) -> StepOutcome:
        outcome = StepOutcome.failure(code, detail, result=result)
        outcome.liveness_answer = recorded
        return outcome

    if status == "EXPIRED":
        return refused("liveness.expired", f"Liveness session {live['public_id']} expired before it was completed.")
    if status in ("CREATED", "IN_PROGRESS"):
        return refused("liveness.incomplete", f"Liveness session {live['public_id']} is not completed yet.")
    if status != "SUCCEEDED" or confidence is None or float(confidence) < threshold:
        shown = "no confidence" if confidence is None else f"confidence {float(confidence):.1f}"
        return refused("liveness.failed", f"The liveness check did not pass ({status}, {shown}; needs {threshold:g}).")
    tenant = gateway.tenant
    if (
        not isinstance(reference, dict)
        or reference.get("Bucket") != tenant.storage_bucket
        or not str(reference.get("Name", "")).startswith(tenant.storage_prefix)
    ):
        # Verity asks Rekognition to write it to the tenant's storage; anything else is not read.
        return refused("liveness.no_reference_image", "The session's reference image is not in the tenant's storage.")
    result["passed"] = True
    image = {"Bucket": str(reference["Bucket"]), "Name": str(reference["Name"])}
    if reference.get("Version"):
        image["Version"] = str(reference["Version"])
    return StepOutcome(passed=True, result=result, liveness_answer=recorded, reference_image=image)
