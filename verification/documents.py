"""ID documents: DetectText on a page, its MRZ parsed and checked, and checked against the printed fields.

The engine call happens outside any transaction; the document is then recorded in a short one
with its audit event, which carries ids, the format and the check results, never the text. The
lines, MRZ and problems are stored sealed under the tenant's KMS key (tenants.envelope): the
database holds ciphertext only, and ``document_open`` decrypts them for the tenant that asks.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.identity import resource
from audit.recording import record_change
from audit.redaction import KEEP, ListOf, register_event
from config.ids import public_id
from tenants.envelope import seal, unseal
from tenants.models import Tenant
from tenants.scope import require_scope, scope_database
from verification.flows import VERIFICATION_SOURCE
from verification.images import ImageInput, checked_image, store_object
from verification.models import Document
from verification.mrz import Mrz, find_mrz
from vision.gateway import Gateway

register_event(
    VERIFICATION_SOURCE,
    "ExtractDocumentText",
    request={"documentId": KEEP, "format": KEEP, "valid": KEEP, "problems": ListOf(KEEP), "lines": KEEP},
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _text_lines(answer: dict[str, Any]) -> list[str]:
    detections = [d for d in answer.get("TextDetections", []) if d.get("Type") == "LINE"]
    return [str(d["DetectedText"]) for d in sorted(detections, key=lambda d: int(d.get("Id", 0)))]


def _printed_forms(iso: str) -> set[str]:
    """The ways a date is printed on ID documents, squeezed of spaces: 12.08.1974, 12 AUG 1974, 1974-08-12…"""
    day = date.fromisoformat(iso)
    numeric = {
        f"{day:%d.%m.%Y}",
        f"{day:%d/%m/%Y}",
        f"{day:%d-%m-%Y}",
        day.isoformat(),
        f"{day:%d.%m.%y}",
        f"{day:%d/%m/%y}",
    }
    month = _MONTHS[day.month - 1]
    return numeric | {f"{day:%d}{month}{day:%Y}", f"{day:%d}{month}{day:%y}", f"{day:%d}{month}/{day:%Y}"}


def viz_disagreements(mrz: Mrz, viz_lines: list[str]) -> list[str]:
    """The MRZ fields the printed page (visual inspection zone) does not show: none when nothing is printed."""
    if not viz_lines:
        return []
    printed = re.sub(r"\s+", "", " ".join(viz_lines).upper())
    missing = []
    if mrz.surname and re.sub(r"\s+", "", mrz.surname) not in printed:
        missing.append("surname")
    if mrz.document_number and mrz.document_number not in printed:
        missing.append("document_number")
    for name in ("birth_date", "expiry_date"):
        value = getattr(mrz, name)
        if value and not any(form.upper() in printed for form in _printed_forms(value)):
            missing.append(name)
    return missing


def _problems(mrz: Mrz | None, viz_lines: list[str], today: date) -> list[dict[str, str]]:
    if mrz is None:
        return [{"code": "document.no_mrz", "detail": "No machine-readable zone was read on the page."}]
    problems = []
    failed = [name for name, passed in mrz.checks.items() if not passed]
    if not mrz.valid:
        detail = f"Check digits wrong: {', '.join(failed)}." if failed else "A date in the MRZ is not a real date."
        problems.append({"code": "document.invalid", "detail": detail})
    if mrz.expired(today):
        problems.append({"code": "document.expired", "detail": f"The document expired on {mrz.expiry_date}."})
    if disagreements := viz_disagreements(mrz, viz_lines):
        problems.append(
            {
                "code": "document.inconsistent",
                "detail": f"The printed page does not show the MRZ's {', '.join(disagreements)}.",
            }
        )
    return problems


def document_read(*, tenant: Tenant, image: ImageInput, actor: Any = None) -> Document:
    """Read an ID document page: its text lines, its MRZ and what is wrong with it (nothing: no problems)."""
    require_scope(tenant)
    fields = checked_image(tenant, image, role="id_document")
    if "data" in fields:
        engine_image: dict[str, Any] = {"Bytes": fields["data"]}
    else:
        engine_image = {"S3Object": {"Bucket": fields["s3_bucket"], "Name": fields["s3_name"]}}
        if fields["s3_version"]:
            engine_image["S3Object"]["Version"] = fields["s3_version"]
    lines = _text_lines(Gateway(tenant).call("DetectText", Image=engine_image))
    today = timezone.now().date()
    mrz, used = find_mrz(lines, today=today)
    viz_lines = [line for index, line in enumerate(lines) if index not in used]
    problems = _problems(mrz, viz_lines, today)
    content = {"lines": lines, "mrz": mrz.as_dict(today) if mrz is not None else None, "problems": problems}
    document_id = public_id("doc")
    sealed = seal(tenant, json.dumps(content).encode(), record=_record(document_id))  # KMS: no transaction open
    # The page is kept (the tenant's storage, under its key) for a registration that names the document.
    if "data" in fields:
        page = store_object(tenant, f"documents/{document_id}", fields["data"])
    else:
        page = {name: fields[name] for name in ("s3_bucket", "s3_name", "s3_version")}
    with transaction.atomic(using=scope_database()):
        document = Document.objects.create(
            tenant=tenant, public_id=document_id, sealed=sealed, image_sha256=fields.get("sha256", ""), **page
        )
        record_change(
            tenant=tenant,
            event_source=VERIFICATION_SOURCE,
            event_name="ExtractDocumentText",
            actor=actor,
            request_parameters={
                "documentId": document.public_id,
                "format": mrz.format if mrz is not None else None,
                "valid": bool(mrz is not None and mrz.valid),
                "problems": [problem["code"] for problem in problems],
                "lines": len(lines),
            },
            resources=[
                resource(tenant, service="verification", resource_type="document", resource_id=document.public_id)
            ],
        )
    return _opened(document, content)


def _record(document_id: str) -> str:
    return f"verification.document/{document_id}"


def _opened(document: Document, content: dict[str, Any]) -> Document:
    document.lines, document.mrz, document.problems = content["lines"], content["mrz"], content["problems"]
    return document


def document_open(*, tenant: Tenant, document: Document) -> Document:
    """The document with its lines, MRZ and problems decrypted (in memory only).

    ``SealBroken`` (a bug or tampering: the row is another's) is raised, never answered as empty.
    """
    require_scope(tenant)
    if not document.sealed:  # read before sealing existed: the columns hold the content
        return document
    return _opened(document, json.loads(unseal(tenant, document.sealed, record=_record(document.public_id))))
