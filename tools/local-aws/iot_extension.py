"""
IoT APIs that moto 5.2.5 lacks and our stacks need, added in-process (no fork).

moto routes a REST-JSON request to an operation name through botocore's service model
(`BaseResponse._get_action_from_method_and_request_uri`), turns it into snake_case and looks the
method up on the response class at every request (`method_names_from_class` + `getattr`). So
adding methods to `moto.iot.responses.IoTResponse` before the server starts is enough.

State lives on moto's own IoTBackend instance (one per account and region), so it has the same
scope as moto's IoT state and goes away with `POST /moto-api/reset`.

What is added and why (README.md next to this file):
  TagResource, UntagResource, ListTagsForResource  the provider lists tags after every create/read/update
  Create/Describe/Update/Delete/List ProvisioningTemplate (+ versions)  aws_iot_provisioning_template
  SetV2LoggingOptions, GetV2LoggingOptions          aws_iot_logging_options
  UpdateEventConfigurations, DescribeEventConfigurations  aws_iot_event_configurations
  UpdateThingType                                   thing type updates
DescribeEndpoint answers the same address per account, region and endpoint type (moto makes a new random
one on every call, so anything that puts the endpoint in its configuration drifted on every re-plan).
AttachThingPrincipal's thingPrincipalType is recorded and ListThingPrincipalsV2 reports it (moto drops
it, so an EXCLUSIVE_THING attachment would be planned for replacement on every re-plan).
Tags given at creation (thing types, thing groups, policies, topic rules, provisioning templates)
are recorded too, so what was created with tags is listed with them.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import parse_qsl, unquote

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.iot.exceptions import (
    InvalidRequestException,
    IoTClientError,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
)
from moto.iot.responses import IoTResponse

ADDED_ACTIONS = (
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "CreateProvisioningTemplate",
    "DescribeProvisioningTemplate",
    "UpdateProvisioningTemplate",
    "DeleteProvisioningTemplate",
    "ListProvisioningTemplates",
    "CreateProvisioningTemplateVersion",
    "DescribeProvisioningTemplateVersion",
    "ListProvisioningTemplateVersions",
    "SetV2LoggingOptions",
    "GetV2LoggingOptions",
    "UpdateEventConfigurations",
    "DescribeEventConfigurations",
    "UpdateThingType",
)

# Creation calls of moto's that accept tags but drop them: wrapped to record the tags.
TAGGED_CREATES = {
    "create_thing_type": ("thingtype", "thingTypeName"),
    "create_thing_group": ("thinggroup", "thingGroupName"),
    "create_policy": ("policy", "policyName"),
    "create_topic_rule": ("rule", "ruleName"),
}

# Attributes holding a resource ARN on moto's IoT model objects.
ARN_ATTRIBUTES = ("arn", "job_arn", "job_template_arn", "domain_configuration_arn")


class NotConfiguredException(IoTClientError):
    def __init__(self, msg: str):
        super().__init__("NotConfiguredException", msg)
        self.code = 404


def _event_types() -> list[str]:
    """Every EventType of the IoT service model (DescribeEventConfigurations lists all of them)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("iot")
    return list(model.shape_for("EventType").enum)


class _Store:
    """Extension state of one account and region."""

    def __init__(self) -> None:
        self.tags: dict[str, dict[str, str]] = {}
        self.templates: dict[str, dict[str, Any]] = {}
        self.logging: dict[str, Any] | None = None
        self.events: dict[str, dict[str, bool]] = {t: {"Enabled": False} for t in _event_types()}
        self.events_created = utcnow()
        self.events_modified = self.events_created
        # (thing name, principal ARN) -> EXCLUSIVE_THING | NON_EXCLUSIVE_THING, as AttachThingPrincipal was given.
        self.principal_types: dict[tuple[str, str], str] = {}
        # endpoint type -> the first DescribeEndpoint answer (AWS keeps one per account and region).
        self.endpoints: dict[str, Any] = {}


# The server is threaded: the first requests of an account may arrive at once, and each must find
# the one store (two stores would keep two answers, e.g. two endpoints, and drop one's state).
_STORE_LOCK = threading.Lock()


def _store(self: IoTResponse) -> _Store:
    backend = self.iot_backend
    with _STORE_LOCK:
        store = getattr(backend, "_local_aws_store", None)
        if store is None:
            store = _Store()
            backend._local_aws_store = store  # type: ignore[attr-defined]
        return store


def _body(self: IoTResponse) -> dict[str, Any]:
    if not self.body:
        return {}
    try:
        parsed = json.loads(self.body)
    except ValueError as err:
        raise InvalidRequestException(f"request body is not JSON: {err}") from err
    return parsed if isinstance(parsed, dict) else {}


def _uri_param(self: IoTResponse, name: str) -> str:
    value = self.uri_match.get(name)
    if value is None:
        raise InvalidRequestException(f"missing path parameter {name}")
    return unquote(value)


def _arn(self: IoTResponse, kind: str, name: str) -> str:
    return f"arn:{self.partition}:iot:{self.region}:{self.current_account}:{kind}/{name}"


def _tag_list(tags: Any) -> dict[str, str]:
    if not tags:
        return {}
    if not isinstance(tags, list):
        raise InvalidRequestException("tags must be a list of {Key, Value}")
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags}


def _resource_exists(self: IoTResponse, arn: str) -> bool:
    backend = self.iot_backend
    if any(t["templateArn"] == arn for t in _store(self).templates.values()):
        return True
    for value in vars(backend).values():
        if not isinstance(value, dict):
            continue
        for item in list(value.values()):
            if isinstance(item, tuple):
                continue
            if any(getattr(item, a, None) == arn for a in ARN_ATTRIBUTES):
                return True
    return False


def _require_resource(self: IoTResponse, arn: Any) -> str:
    if not isinstance(arn, str) or not arn:
        raise InvalidRequestException("resourceArn is required")
    if not _resource_exists(self, arn):
        raise ResourceNotFoundException(f"Resource not found: {arn}")
    return arn


# --- tags -------------------------------------------------------------------------------------


def tag_resource(self: IoTResponse) -> ActionResult:
    body = _body(self)
    arn = _require_resource(self, body.get("resourceArn"))
    _store(self).tags.setdefault(arn, {}).update(_tag_list(body.get("tags")))
    return EmptyResult()


def untag_resource(self: IoTResponse) -> ActionResult:
    body = _body(self)
    arn = _require_resource(self, body.get("resourceArn"))
    tags = _store(self).tags.setdefault(arn, {})
    for key in body.get("tagKeys") or []:
        tags.pop(key, None)
    return EmptyResult()


def list_tags_for_resource(self: IoTResponse) -> ActionResult:
    arn = _require_resource(self, self._get_param("resourceArn"))
    tags = _store(self).tags.get(arn, {})
    return ActionResult({"tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})


def _record_creation_tags(method_name: str, kind: str, name_param: str):
    original = getattr(IoTResponse, method_name)

    def wrapped(self: IoTResponse) -> Any:
        result = original(self)
        name = self.uri_match.get(name_param) or self._get_param(name_param)
        if method_name == "create_topic_rule":
            header = self.headers.get("x-amz-tagging") or ""
            tags = dict(parse_qsl(header, keep_blank_values=True))
        else:
            tags = _tag_list(_body(self).get("tags"))
        # A create (also a re-create under the same name) starts from exactly its own tags.
        _store(self).tags[_arn(self, kind, unquote(name))] = tags
        return result

    wrapped.__name__ = method_name
    wrapped.__doc__ = f"moto's {method_name}, recording the tags it was given"
    wrapped._local_aws_original = original  # type: ignore[attr-defined]
    return wrapped


# --- thing principal type -------------------------------------------------------------------

DEFAULT_PRINCIPAL_TYPE = "NON_EXCLUSIVE_THING"


def _attach_with_type(original: Any) -> Any:
    def attach_thing_principal(self: IoTResponse) -> Any:
        result = original(self)
        key = (self._get_param("thingName"), self.headers.get("x-amzn-principal"))
        _store(self).principal_types[key] = self._get_param("thingPrincipalType") or DEFAULT_PRINCIPAL_TYPE
        return result

    return attach_thing_principal


def _detach_with_type(original: Any) -> Any:
    def detach_thing_principal(self: IoTResponse) -> Any:
        result = original(self)
        _store(self).principal_types.pop((self._get_param("thingName"), self.headers.get("x-amzn-principal")), None)
        return result

    return detach_thing_principal


def _list_v2_with_type(original: Any) -> Any:
    def list_thing_principals_v2(self: IoTResponse) -> Any:
        result = original(self)
        thing = self._get_param("thingName")
        wanted = self._get_param("thingPrincipalType")
        types = _store(self).principal_types
        objects = [{**o, "thingPrincipalType": types.get((thing, o["principal"]), DEFAULT_PRINCIPAL_TYPE)} for o in result.result["thingPrincipalObjects"]]
        return ActionResult({"thingPrincipalObjects": [o for o in objects if not wanted or o["thingPrincipalType"] == wanted]})

    return list_thing_principals_v2


_ENDPOINT_LOCK = threading.Lock()


def _stable_endpoint(original: Any) -> Any:
    def describe_endpoint(self: IoTResponse) -> Any:
        endpoint_type = self._get_param("endpointType", "iot:Data-ATS")
        # Two first calls at once must still agree on one address.
        with _ENDPOINT_LOCK:
            known = _store(self).endpoints
            if endpoint_type not in known:
                known[endpoint_type] = original(self)
            return known[endpoint_type]

    return describe_endpoint


PRINCIPAL_TYPE_WRAPS = {
    "describe_endpoint": _stable_endpoint,
    "attach_thing_principal": _attach_with_type,
    "detach_thing_principal": _detach_with_type,
    "list_thing_principals_v2": _list_v2_with_type,
}


# --- provisioning templates -------------------------------------------------------------------


def _template(self: IoTResponse, name: str) -> dict[str, Any]:
    template = _store(self).templates.get(name)
    if template is None:
        raise ResourceNotFoundException(f"The provisioning template {name} does not exist")
    return template


def _require_json(body: Any, field: str) -> str:
    if not isinstance(body, str):
        raise InvalidRequestException(f"{field} is required")
    try:
        json.loads(body)
    except ValueError as err:
        raise InvalidRequestException(f"{field} is not valid JSON: {err}") from err
    return body


def create_provisioning_template(self: IoTResponse) -> ActionResult:
    body = _body(self)
    name = body.get("templateName")
    if not isinstance(name, str) or not name:
        raise InvalidRequestException("templateName is required")
    role = body.get("provisioningRoleArn")
    if not isinstance(role, str) or not role:
        raise InvalidRequestException("provisioningRoleArn is required")
    template_body = _require_json(body.get("templateBody"), "templateBody")
    arn = _arn(self, "provisioningtemplate", name)
    store = _store(self)
    if name in store.templates:
        raise ResourceAlreadyExistsException(f"The provisioning template {name} already exists", name, arn)
    now = utcnow()
    store.templates[name] = {
        "templateArn": arn,
        "templateName": name,
        "description": body.get("description"),
        "creationDate": now,
        "lastModifiedDate": now,
        "defaultVersionId": 1,
        "enabled": bool(body.get("enabled", False)),
        "provisioningRoleArn": role,
        "preProvisioningHook": body.get("preProvisioningHook"),
        "type": body.get("type") or "FLEET_PROVISIONING",
        "versions": [{"versionId": 1, "creationDate": now, "templateBody": template_body}],
    }
    store.tags[arn] = _tag_list(body.get("tags"))
    return ActionResult({"templateArn": arn, "templateName": name, "defaultVersionId": 1})


def _default_version(template: dict[str, Any]) -> dict[str, Any]:
    return next(v for v in template["versions"] if v["versionId"] == template["defaultVersionId"])


def describe_provisioning_template(self: IoTResponse) -> ActionResult:
    template = _template(self, _uri_param(self, "templateName"))
    out = {k: v for k, v in template.items() if k != "versions" and v is not None}
    out["templateBody"] = _default_version(template)["templateBody"]
    return ActionResult(out)


def update_provisioning_template(self: IoTResponse) -> ActionResult:
    template = _template(self, _uri_param(self, "templateName"))
    body = _body(self)
    if "defaultVersionId" in body:
        version = int(body["defaultVersionId"])
        if not any(v["versionId"] == version for v in template["versions"]):
            raise InvalidRequestException(f"version {version} of {template['templateName']} does not exist")
        template["defaultVersionId"] = version
    for field in ("description", "enabled", "provisioningRoleArn", "preProvisioningHook"):
        if field in body:
            template[field] = body[field]
    if body.get("removePreProvisioningHook"):
        template["preProvisioningHook"] = None
    template["lastModifiedDate"] = utcnow()
    return EmptyResult()


def delete_provisioning_template(self: IoTResponse) -> ActionResult:
    name = _uri_param(self, "templateName")
    template = _template(self, name)
    store = _store(self)
    del store.templates[name]
    store.tags.pop(template["templateArn"], None)
    return EmptyResult()


def list_provisioning_templates(self: IoTResponse) -> ActionResult:
    fields = ("templateArn", "templateName", "description", "creationDate", "lastModifiedDate", "enabled", "type")
    templates = [
        {f: t[f] for f in fields if t.get(f) is not None} for t in _store(self).templates.values()
    ]
    return ActionResult({"templates": templates})


def create_provisioning_template_version(self: IoTResponse) -> ActionResult:
    template = _template(self, _uri_param(self, "templateName"))
    template_body = _require_json(_body(self).get("templateBody"), "templateBody")
    version = max(v["versionId"] for v in template["versions"]) + 1
    template["versions"].append({"versionId": version, "creationDate": utcnow(), "templateBody": template_body})
    set_as_default = str(self._get_param("setAsDefault", "false")).lower() == "true"
    if set_as_default:
        template["defaultVersionId"] = version
    template["lastModifiedDate"] = utcnow()
    return ActionResult(
        {
            "templateArn": template["templateArn"],
            "templateName": template["templateName"],
            "versionId": version,
            "isDefaultVersion": set_as_default,
        }
    )


def describe_provisioning_template_version(self: IoTResponse) -> ActionResult:
    template = _template(self, _uri_param(self, "templateName"))
    version_id = int(_uri_param(self, "versionId"))
    version = next((v for v in template["versions"] if v["versionId"] == version_id), None)
    if version is None:
        raise ResourceNotFoundException(f"version {version_id} of {template['templateName']} does not exist")
    return ActionResult({**version, "isDefaultVersion": version_id == template["defaultVersionId"]})


def list_provisioning_template_versions(self: IoTResponse) -> ActionResult:
    template = _template(self, _uri_param(self, "templateName"))
    versions = [
        {"versionId": v["versionId"], "creationDate": v["creationDate"], "isDefaultVersion": v["versionId"] == template["defaultVersionId"]}
        for v in template["versions"]
    ]
    return ActionResult({"versions": versions})


# --- account settings: logging, event configurations -------------------------------------------


def set_v2_logging_options(self: IoTResponse) -> ActionResult:
    body = _body(self)
    store = _store(self)
    current = store.logging or {}
    store.logging = {
        "roleArn": body.get("roleArn", current.get("roleArn")),
        "defaultLogLevel": body.get("defaultLogLevel", current.get("defaultLogLevel")),
        "disableAllLogs": bool(body.get("disableAllLogs", False)),
    }
    return EmptyResult()


def get_v2_logging_options(self: IoTResponse) -> ActionResult:
    logging = _store(self).logging
    if logging is None:
        raise NotConfiguredException("V2 logging options are not configured")
    return ActionResult({k: v for k, v in logging.items() if v is not None})


def update_event_configurations(self: IoTResponse) -> ActionResult:
    store = _store(self)
    for event_type, config in (_body(self).get("eventConfigurations") or {}).items():
        if event_type not in store.events:
            raise InvalidRequestException(f"unknown event type {event_type}")
        store.events[event_type] = {"Enabled": bool((config or {}).get("Enabled", False))}
    store.events_modified = utcnow()
    return EmptyResult()


def describe_event_configurations(self: IoTResponse) -> ActionResult:
    store = _store(self)
    return ActionResult(
        {
            "eventConfigurations": {k: dict(v) for k, v in store.events.items()},
            "creationDate": store.events_created,
            "lastModifiedDate": store.events_modified,
        }
    )


# --- thing types ----------------------------------------------------------------------------------


def update_thing_type(self: IoTResponse) -> ActionResult:
    thing_type = self.iot_backend.describe_thing_type(_uri_param(self, "thingTypeName"))
    properties = _body(self).get("thingTypeProperties") or {}
    thing_type.thing_type_properties = {**(thing_type.thing_type_properties or {}), **properties}
    return EmptyResult()


ADDED_METHODS = {
    "tag_resource": tag_resource,
    "untag_resource": untag_resource,
    "list_tags_for_resource": list_tags_for_resource,
    "create_provisioning_template": create_provisioning_template,
    "describe_provisioning_template": describe_provisioning_template,
    "update_provisioning_template": update_provisioning_template,
    "delete_provisioning_template": delete_provisioning_template,
    "list_provisioning_templates": list_provisioning_templates,
    "create_provisioning_template_version": create_provisioning_template_version,
    "describe_provisioning_template_version": describe_provisioning_template_version,
    "list_provisioning_template_versions": list_provisioning_template_versions,
    "set_v2_logging_options": set_v2_logging_options,
    "get_v2_logging_options": get_v2_logging_options,
    "update_event_configurations": update_event_configurations,
    "describe_event_configurations": describe_event_configurations,
    "update_thing_type": update_thing_type,
}


def install() -> list[str]:
    """Adds the methods to IoTResponse (idempotent). Returns the API names it added."""
    if getattr(IoTResponse, "_local_aws_installed", False):
        return list(ADDED_ACTIONS)
    for name, method in ADDED_METHODS.items():
        if name in vars(IoTResponse):
            raise RuntimeError(f"moto's IoTResponse already has {name}: check this extension against the installed moto")
        setattr(IoTResponse, name, method)
    for name, (kind, param) in TAGGED_CREATES.items():
        setattr(IoTResponse, name, _record_creation_tags(name, kind, param))
    for name, wrap in PRINCIPAL_TYPE_WRAPS.items():
        if not callable(getattr(IoTResponse, name, None)):
            raise RuntimeError(f"moto's IoTResponse has no {name}: check this extension against the installed moto")
        setattr(IoTResponse, name, wrap(getattr(IoTResponse, name)))
    IoTResponse._local_aws_installed = True  # type: ignore[attr-defined]
    return list(ADDED_ACTIONS)
