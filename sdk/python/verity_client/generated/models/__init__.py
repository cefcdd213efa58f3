"""Contains all the data models used in inputs/outputs"""

from .attempt_output import AttemptOutput
from .attempt_page import AttemptPage
from .audit_events_list_outcome import AuditEventsListOutcome
from .batch_index_item_output import BatchIndexItemOutput
from .batch_index_item_output_status_enum import BatchIndexItemOutputStatusEnum
from .batch_index_item_page import BatchIndexItemPage
from .batch_index_items_list_status import BatchIndexItemsListStatus
from .batch_index_job_list_view_input_format_enum import (
    BatchIndexJobListViewInputFormatEnum,
)
from .batch_index_job_list_view_input_request import BatchIndexJobListViewInputRequest
from .batch_index_job_output import BatchIndexJobOutput
from .batch_index_job_output_status_enum import BatchIndexJobOutputStatusEnum
from .batch_index_job_page import BatchIndexJobPage
from .batch_index_jobs_list_status import BatchIndexJobsListStatus
from .blank_enum import BlankEnum
from .bucket import Bucket
from .code_enum import CodeEnum
from .consent_output import ConsentOutput
from .consent_page import ConsentPage
from .consent_terms_input_request import ConsentTermsInputRequest
from .consent_withdraw_output import ConsentWithdrawOutput
from .consent_withdraw_view_input_request import ConsentWithdrawViewInputRequest
from .count import Count
from .counts_output import CountsOutput
from .disabled_reason_enum import DisabledReasonEnum
from .document_list_view_input_request import DocumentListViewInputRequest
from .document_list_view_multipart_input_request import (
    DocumentListViewMultipartInputRequest,
)
from .document_output import DocumentOutput
from .duplicate_output import DuplicateOutput
from .duplicates import Duplicates
from .enabled_events_enum import EnabledEventsEnum
from .endpoint_list_view_input_request import EndpointListViewInputRequest
from .endpoint_output import EndpointOutput
from .endpoint_page import EndpointPage
from .endpoint_rotate_secret_view_input_request import (
    EndpointRotateSecretViewInputRequest,
)
from .endpoint_with_secret_output import EndpointWithSecretOutput
from .erasure_output import ErasureOutput
from .erasure_output_status_enum import ErasureOutputStatusEnum
from .erasure_page import ErasurePage
from .erasures_list_status import ErasuresListStatus
from .error_output import ErrorOutput
from .event_output import EventOutput
from .event_output_request_parameters_type_0 import EventOutputRequestParametersType0
from .event_output_resources_item import EventOutputResourcesItem
from .event_output_response_elements_type_0 import EventOutputResponseElementsType0
from .event_output_user_identity import EventOutputUserIdentity
from .event_page import EventPage
from .event_redeliver_view_input_request import EventRedeliverViewInputRequest
from .events_list_type import EventsListType
from .export_list_view_input_filters_request import ExportListViewInputFiltersRequest
from .export_list_view_input_format_enum import ExportListViewInputFormatEnum
from .export_list_view_input_request import ExportListViewInputRequest
from .export_output import ExportOutput
from .export_output_filters import ExportOutputFilters
from .face_output import FaceOutput
from .faces import Faces
from .image_json_input_request import ImageJsonInputRequest
from .image_list_view_input_request import ImageListViewInputRequest
from .image_list_view_input_request_metadata import ImageListViewInputRequestMetadata
from .image_list_view_multipart_input_request import ImageListViewMultipartInputRequest
from .kpis_output import KpisOutput
from .label_output import LabelOutput
from .liveness_session_list_view_input_request import (
    LivenessSessionListViewInputRequest,
)
from .liveness_session_output import LivenessSessionOutput
from .liveness_session_output_status_enum import LivenessSessionOutputStatusEnum
from .manifest_output import ManifestOutput
from .match_output import MatchOutput
from .media_type_enum import MediaTypeEnum
from .method_enum import MethodEnum
from .moderation_images_list_category import ModerationImagesListCategory
from .moderation_images_list_decision import ModerationImagesListDecision
from .moderation_images_list_final_decision import ModerationImagesListFinalDecision
from .moderation_images_list_status import ModerationImagesListStatus
from .moderation_output import ModerationOutput
from .moderation_output_metadata import ModerationOutputMetadata
from .moderation_output_status_enum import ModerationOutputStatusEnum
from .moderation_page import ModerationPage
from .moderation_videos_list_category import ModerationVideosListCategory
from .moderation_videos_list_decision import ModerationVideosListDecision
from .moderation_videos_list_final_decision import ModerationVideosListFinalDecision
from .moderation_videos_list_status import ModerationVideosListStatus
from .mrz_checks_output import MrzChecksOutput
from .mrz_output import MrzOutput
from .mrz_output_format_enum import MrzOutputFormatEnum
from .outcome_enum import OutcomeEnum
from .outcomes import Outcomes
from .patched_endpoint_detail_view_input_request import (
    PatchedEndpointDetailViewInputRequest,
)
from .policy_output import PolicyOutput
from .policy_output_categories import PolicyOutputCategories
from .policy_output_categories_additional_property import (
    PolicyOutputCategoriesAdditionalProperty,
)
from .policy_view_input_request import PolicyViewInputRequest
from .policy_view_input_request_categories import PolicyViewInputRequestCategories
from .problem import Problem
from .problem_errors_item import ProblemErrorsItem
from .problem_output import ProblemOutput
from .public_key_output import PublicKeyOutput
from .purpose_enum import PurposeEnum
from .quality_failure import QualityFailure
from .queue import Queue
from .reason import Reason
from .reason_enum import ReasonEnum
from .reason_output import ReasonOutput
from .redelivery_output import RedeliveryOutput
from .review_claim_view_input_request import ReviewClaimViewInputRequest
from .review_decision_view_input_decision_enum import (
    ReviewDecisionViewInputDecisionEnum,
)
from .review_decision_view_input_request import ReviewDecisionViewInputRequest
from .review_output import ReviewOutput
from .review_output_status_enum import ReviewOutputStatusEnum
from .review_page import ReviewPage
from .reviews import Reviews
from .reviews_list_status import ReviewsListStatus
from .rule_field_request import RuleFieldRequest
from .s3_object_input_request import S3ObjectInputRequest
from .segment_output import SegmentOutput
from .segment_output_decision_enum import SegmentOutputDecisionEnum
from .sex_enum import SexEnum
from .similarity import Similarity
from .stats_output import StatsOutput
from .stats_output_outcomes import StatsOutputOutcomes
from .step import Step
from .step_output import StepOutput
from .step_output_result import StepOutputResult
from .store_output import StoreOutput
from .stored_object_output import StoredObjectOutput
from .subject_consent_list_view_input_request import SubjectConsentListViewInputRequest
from .subject_export_output import SubjectExportOutput
from .subject_list_view_input_request import SubjectListViewInputRequest
from .subject_list_view_input_request_metadata import (
    SubjectListViewInputRequestMetadata,
)
from .subject_list_view_input_request_sensitive_metadata import (
    SubjectListViewInputRequestSensitiveMetadata,
)
from .subject_output import SubjectOutput
from .subject_output_metadata import SubjectOutputMetadata
from .subject_output_sensitive_metadata import SubjectOutputSensitiveMetadata
from .subject_page import SubjectPage
from .tenant_output import TenantOutput
from .tenant_output_thresholds import TenantOutputThresholds
from .type_enum import TypeEnum
from .verification_list_view_input_request import VerificationListViewInputRequest
from .verification_list_view_multipart_input_request import (
    VerificationListViewMultipartInputRequest,
)
from .verification_output import VerificationOutput
from .verification_output_status_enum import VerificationOutputStatusEnum
from .verification_page import VerificationPage
from .verifications import Verifications
from .verifications_list_status import VerificationsListStatus
from .verifications_list_type import VerificationsListType
from .video_list_view_input_request import VideoListViewInputRequest
from .video_list_view_input_request_metadata import VideoListViewInputRequestMetadata
from .webhook_event_output import WebhookEventOutput
from .webhook_event_output_data import WebhookEventOutputData
from .webhook_event_page import WebhookEventPage
from .webhook_event_type_enum import WebhookEventTypeEnum

__all__ = (
    "AttemptOutput",
    "AttemptPage",
    "AuditEventsListOutcome",
    "BatchIndexItemOutput",
    "BatchIndexItemOutputStatusEnum",
    "BatchIndexItemPage",
    "BatchIndexItemsListStatus",
    "BatchIndexJobListViewInputFormatEnum",
    "BatchIndexJobListViewInputRequest",
    "BatchIndexJobOutput",
    "BatchIndexJobOutputStatusEnum",
    "BatchIndexJobPage",
    "BatchIndexJobsListStatus",
    "BlankEnum",
    "Bucket",
    "CodeEnum",
    "ConsentOutput",
    "ConsentPage",
    "ConsentTermsInputRequest",
    "ConsentWithdrawOutput",
    "ConsentWithdrawViewInputRequest",
    "Count",
    "CountsOutput",
    "DisabledReasonEnum",
    "DocumentListViewInputRequest",
    "DocumentListViewMultipartInputRequest",
    "DocumentOutput",
    "DuplicateOutput",
    "Duplicates",
    "EnabledEventsEnum",
    "EndpointListViewInputRequest",
    "EndpointOutput",
    "EndpointPage",
    "EndpointRotateSecretViewInputRequest",
    "EndpointWithSecretOutput",
    "ErasureOutput",
    "ErasureOutputStatusEnum",
    "ErasurePage",
    "ErasuresListStatus",
    "ErrorOutput",
    "EventOutput",
    "EventOutputRequestParametersType0",
    "EventOutputResourcesItem",
    "EventOutputResponseElementsType0",
    "EventOutputUserIdentity",
    "EventPage",
    "EventRedeliverViewInputRequest",
    "EventsListType",
    "ExportListViewInputFiltersRequest",
    "ExportListViewInputFormatEnum",
    "ExportListViewInputRequest",
    "ExportOutput",
    "ExportOutputFilters",
    "FaceOutput",
    "Faces",
    "ImageJsonInputRequest",
    "ImageListViewInputRequest",
    "ImageListViewInputRequestMetadata",
    "ImageListViewMultipartInputRequest",
    "KpisOutput",
    "LabelOutput",
    "LivenessSessionListViewInputRequest",
    "LivenessSessionOutput",
    "LivenessSessionOutputStatusEnum",
    "ManifestOutput",
    "MatchOutput",
    "MediaTypeEnum",
    "MethodEnum",
    "ModerationImagesListCategory",
    "ModerationImagesListDecision",
    "ModerationImagesListFinalDecision",
    "ModerationImagesListStatus",
    "ModerationOutput",
    "ModerationOutputMetadata",
    "ModerationOutputStatusEnum",
    "ModerationPage",
    "ModerationVideosListCategory",
    "ModerationVideosListDecision",
    "ModerationVideosListFinalDecision",
    "ModerationVideosListStatus",
    "MrzChecksOutput",
    "MrzOutput",
    "MrzOutputFormatEnum",
    "OutcomeEnum",
    "Outcomes",
    "PatchedEndpointDetailViewInputRequest",
    "PolicyOutput",
    "PolicyOutputCategories",
    "PolicyOutputCategoriesAdditionalProperty",
    "PolicyViewInputRequest",
    "PolicyViewInputRequestCategories",
    "Problem",
    "ProblemErrorsItem",
    "ProblemOutput",
    "PublicKeyOutput",
    "PurposeEnum",
    "QualityFailure",
    "Queue",
    "Reason",
    "ReasonEnum",
    "ReasonOutput",
    "RedeliveryOutput",
    "ReviewClaimViewInputRequest",
    "ReviewDecisionViewInputDecisionEnum",
    "ReviewDecisionViewInputRequest",
    "ReviewOutput",
    "ReviewOutputStatusEnum",
    "ReviewPage",
    "Reviews",
    "ReviewsListStatus",
    "RuleFieldRequest",
    "S3ObjectInputRequest",
    "SegmentOutput",
    "SegmentOutputDecisionEnum",
    "SexEnum",
    "Similarity",
    "StatsOutput",
    "StatsOutputOutcomes",
    "Step",
    "StepOutput",
    "StepOutputResult",
    "StoreOutput",
    "StoredObjectOutput",
    "SubjectConsentListViewInputRequest",
    "SubjectExportOutput",
    "SubjectListViewInputRequest",
    "SubjectListViewInputRequestMetadata",
    "SubjectListViewInputRequestSensitiveMetadata",
    "SubjectOutput",
    "SubjectOutputMetadata",
    "SubjectOutputSensitiveMetadata",
    "SubjectPage",
    "TenantOutput",
    "TenantOutputThresholds",
    "TypeEnum",
    "VerificationListViewInputRequest",
    "VerificationListViewMultipartInputRequest",
    "VerificationOutput",
    "VerificationOutputStatusEnum",
    "VerificationPage",
    "Verifications",
    "VerificationsListStatus",
    "VerificationsListType",
    "VideoListViewInputRequest",
    "VideoListViewInputRequestMetadata",
    "WebhookEventOutput",
    "WebhookEventOutputData",
    "WebhookEventPage",
    "WebhookEventTypeEnum",
)
