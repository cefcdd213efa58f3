"""CreateCollection, DescribeCollection, ListCollections, DeleteCollection."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from vision.local.models import Collection
from vision.local.operations.common import FACE_MODEL_VERSION, decode_token, encode_token, page_size
from vision.local.operations.vector_index import vector_index
from vision.local.protocol import Account, Call, ResourceAlreadyExistsError, ResourceNotFoundError

LIST_DEFAULT, LIST_MAXIMUM = 1000, 4096


def get_collection(account: Account, collection_id: str, *, lock: bool = False) -> Collection:
    """The caller's collection; ``lock`` row-locks it until the transaction ends (against a delete)."""
    collections = Collection.objects.select_for_update() if lock else Collection.objects.all()
    try:
        return collections.get(account=account.access_key_id, region=account.region, collection_id=collection_id)
    except Collection.DoesNotExist:
        raise ResourceNotFoundError(f"The collection id: {collection_id} does not exist") from None


def create_collection(call: Call) -> dict[str, Any]:
    account, collection_id = call.account, call.params["CollectionId"]
    try:
        with transaction.atomic():
            Collection.objects.create(
                account=account.access_key_id,
                region=account.region,
                collection_id=collection_id,
                face_model_version=FACE_MODEL_VERSION,
                tags=call.params.get("Tags", {}),
            )
    except IntegrityError:
        raise ResourceAlreadyExistsError(f"The collection id: {collection_id} already exists") from None
    return {
        "StatusCode": 200,
        # Without the "arn:" prefix, exactly as AWS answers CreateCollection (DescribeCollection
        # answers a full ARN).
        "CollectionArn": account.arn(f"collection/{collection_id}").removeprefix("arn:"),
        "FaceModelVersion": FACE_MODEL_VERSION,
    }


def describe_collection(call: Call) -> dict[str, Any]:
    collection = get_collection(call.account, call.params["CollectionId"])
    return {
        "FaceCount": collection.faces.count(),
        "FaceModelVersion": collection.face_model_version,
        "CollectionARN": call.account.arn(f"collection/{collection.collection_id}"),
        "CreationTimestamp": collection.created_at,
        "UserCount": 0,
    }


def list_collections(call: Call) -> dict[str, Any]:
    """Collections in creation order; NextToken carries the last one's position."""
    account = call.account
    limit = page_size(call.params.get("MaxResults"), default=LIST_DEFAULT, maximum=LIST_MAXIMUM)
    collections = Collection.objects.filter(account=account.access_key_id, region=account.region).order_by("pk")
    if "NextToken" in call.params:
        collections = collections.filter(pk__gt=decode_token(call.params["NextToken"], int))
    page = list(collections.values_list("pk", "collection_id", "face_model_version")[: limit + 1])
    response: dict[str, Any] = {
        "CollectionIds": [collection_id for _, collection_id, _ in page[:limit]],
        "FaceModelVersions": [version for _, _, version in page[:limit]],
    }
    if len(page) > limit:
        response["NextToken"] = encode_token(page[limit - 1][0])
    return response


def delete_collection(call: Call) -> dict[str, Any]:
    with transaction.atomic():
        collection = get_collection(call.account, call.params["CollectionId"], lock=True)
        collection_pk = collection.pk
        collection.delete()  # its faces go in one DELETE (no per-row cascade, no signals)
        transaction.on_commit(lambda: vector_index.drop(collection_pk))
    return {"StatusCode": 200}
