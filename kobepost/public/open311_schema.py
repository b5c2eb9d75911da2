"""The OpenAPI 3 description of our Open311 GeoReport v2 endpoints (hand-written)."""

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
}


def _ok(schema_ref: str, description: str = "OK") -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": schema_ref}},
            "text/xml": {"schema": {"type": "string"}},
        },
    }


def _errors(*codes: int) -> dict:
    return {
        str(code): {
            "description": "Open311 error list",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}},
                "text/xml": {"schema": {"type": "string"}},
            },
        }
        for code in codes
    }


PAGINATION = [
    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
    {
        "name": "page_size",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
    },
]


def openapi_document() -> dict:
    string = {"type": "string"}
    nullable_string = {"type": "string", "nullable": True}
    number = {"type": "number", "nullable": True}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "KOBE ぽすと Open311 GeoReport v2",
            "version": "2",
            "description": (
                "Reading is open and shows published posts; a rejected post is found by its "
                "number (closed, its reason in status_notes, duplicate_of naming the original) "
                "without its content. Every error is an Open311 error list (400 also for NUL "
                "bytes and bad parameters, 404, 405, 429 with Retry-After). Text is XML 1.0 "
                "safe: control characters are removed at input. Services whose metadata is "
                "true ask for details: their definition (GET services/{service_code}) lists "
                "the attributes, sent on POST as attribute[code]=value (attribute[code][]=key "
                "once per choice of a multivaluelist); a missing required attribute, a value "
                "of the wrong type or not among the values, and an unknown code are refused "
                "with 400. expected_datetime is the reply due date of the city's case once "
                "the post is forwarded (17:30 Japan time that day), null before. POST "
                "requests need an "
                "api_key (registered app) and the citizen's app token "
                "(Authorization: Bearer <token> or citizen_token). Photos: multipart "
                "file fields named media (JPEG/PNG/HEIC/WebP, up to 4). Personal data sent by an "
                "app (first_name, last_name, email, phone) is ignored."
            ),
        },
        "servers": [{"url": "/public/open311/v2"}],
        "paths": {
            "/discovery.{format}": {
                "get": {
                    "summary": "Service discovery",
                    "parameters": [FORMAT],
                    "responses": {"200": _ok("#/components/schemas/Discovery")},
                }
            },
            "/services.{format}": {
                "get": {
                    "summary": "Service list (投稿区分): group and keywords for an app's menu",
                    "parameters": [FORMAT],
                    "responses": {"200": _ok("#/components/schemas/Services")},
                }
            },
            "/services/{service_code}.{format}": {
                "get": {
                    "summary": "Service definition: the attributes a service asks for",
                    "parameters": [
                        {"name": "service_code", "in": "path", "required": True, "schema": string},
                        FORMAT,
                    ],
                    "responses": {
                        "200": _ok("#/components/schemas/ServiceDefinition"),
                        **_errors(404),
                    },
                }
            },
            "/requests.{format}": {
                "get": {
                    "summary": "Published service requests",
                    "parameters": [
                        FORMAT,
                        *[
                            {"name": name, "in": "query", "required": False, "schema": string}
                            for name in (
                                "service_request_id",
                                "service_code",
                                "start_date",
                                "end_date",
                                "status",
                            )
                        ],
                        *PAGINATION,
                    ],
                    "responses": {
                        "200": _ok("#/components/schemas/ServiceRequests"),
                        **_errors(400, 405),
                    },
                },
                "post": {
                    "summary": "Create a service request (a citizen's post)",
                    "parameters": [FORMAT],
                    "security": [{"citizenToken": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {"$ref": "#/components/schemas/NewRequest"}
                            },
                            "application/x-www-form-urlencoded": {
                                "schema": {"$ref": "#/components/schemas/NewRequest"}
                            },
                        },
                    },
                    "responses": {
                        "201": _ok("#/components/schemas/Created", "Created"),
                        **_errors(400, 403, 405, 429),
                    },
                },
            },
            "/request_updates.{format}": {
                "get": {
                    "summary": "Changes since a time (oldest first): what an app polls",
                    "parameters": [
                        FORMAT,
                        {
                            "name": "since",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "format": "date-time"},
                        },
                        *PAGINATION,
                    ],
                    "responses": {
                        "200": _ok("#/components/schemas/RequestUpdates"),
                        **_errors(400),
                    },
                }
            },
            "/requests/{service_request_id}.{format}": {
                "get": {
                    "summary": "One published or rejected service request",
                    "parameters": [
                        {
                            "name": "service_request_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                        FORMAT,
                    ],
                    "responses": {
                        "200": _ok("#/components/schemas/ServiceRequests"),
                        **_errors(404),
                    },
                }
            },
            "/tokens/{token}.{format}": {
                "get": {
                    "summary": "Service request id for a token",
                    "parameters": [
                        {"name": "token", "in": "path", "required": True, "schema": string},
                        FORMAT,
                    ],
                    "responses": {"200": _ok("#/components/schemas/Tokens"), **_errors(404)},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "citizenToken": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {
                "Errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"code": {"type": "integer"}, "description": string},
                    },
                },
                "Discovery": {"type": "object"},
                "Services": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "service_code": string,
                            "service_name": string,
                            "description": string,
                            "metadata": {"type": "boolean"},
                            "type": string,
                            "keywords": string,
                            "group": string,
                        },
                    },
                },
                "ServiceDefinition": {
                    "type": "object",
                    "properties": {
                        "service_code": string,
                        "attributes": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Attribute"},
                        },
                    },
                },
                "Attribute": {
                    "type": "object",
                    "properties": {
                        "variable": {"type": "boolean"},
                        "code": string,
                        "datatype": {
                            "type": "string",
                            "enum": [
                                "string",
                                "number",
                                "datetime",
                                "text",
                                "singlevaluelist",
                                "multivaluelist",
                            ],
                        },
                        "required": {"type": "boolean"},
                        "datatype_description": nullable_string,
                        "order": {"type": "integer"},
                        "description": string,
                        "values": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {"key": string, "name": string},
                            },
                        },
                    },
                },
                "ServiceRequests": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "service_request_id": string,
                            "status": {"type": "string", "enum": ["open", "closed"]},
                            "status_notes": string,
                            "service_name": string,
                            "service_code": string,
                            "description": string,
                            "agency_responsible": string,
                            "service_notice": string,
                            "requested_datetime": {"type": "string", "format": "date-time"},
                            "updated_datetime": {"type": "string", "format": "date-time"},
                            "expected_datetime": {
                                "type": "string",
                                "format": "date-time",
                                "nullable": True,
                            },
                            "address": string,
                            "address_id": nullable_string,
                            "zipcode": nullable_string,
                            "lat": number,
                            "long": number,
                            "media_url": nullable_string,
                            "nickname": nullable_string,
                            "duplicate_of": nullable_string,
                        },
                    },
                },
                "RequestUpdates": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "service_request_id": string,
                            "status": {"type": "string", "enum": ["open", "closed"]},
                            "status_notes": string,
                            "service_notice": string,
                            "updated_datetime": {"type": "string", "format": "date-time"},
                            "expected_datetime": {
                                "type": "string",
                                "format": "date-time",
                                "nullable": True,
                            },
                            "duplicate_of": nullable_string,
                        },
                    },
                },
                "NewRequest": {
                    "type": "object",
                    "required": ["api_key", "service_code", "description"],
                    "properties": {
                        "api_key": string,
                        "citizen_token": string,
                        "service_code": string,
                        "description": string,
                        "lat": {"type": "number"},
                        "long": {"type": "number"},
                        "address_string": string,
                        "attribute[{code}]": {
                            "type": "string",
                            "description": (
                                "The answer to the service definition's attribute {code} "
                                "(attribute[{code}][] repeated for a multivaluelist)"
                            ),
                        },
                        "media": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": 4,
                        },
                    },
                },
                "Created": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "service_request_id": string,
                            "token": string,
                            "service_notice": string,
                            "account_id": nullable_string,
                        },
                    },
                },
                "Tokens": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"service_request_id": string, "token": string},
                    },
                },
            },
        },
    }
