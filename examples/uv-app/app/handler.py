"""A tiny Lambda handler. Its dependency, requests, comes from the layer
(Lambda puts the layer's python/ folder on sys.path from /opt/python)."""

import json

import requests


def lambda_handler(event, context):
    """Fetches the URL in the event (default: the AWS IP ranges) and reports its status."""
    url = (event or {}).get("url", "https://ip-ranges.amazonaws.com/ip-ranges.json")
    response = requests.get(url, timeout=5)
    return {
        "statusCode": 200,
        "body": json.dumps({"url": url, "status": response.status_code, "requests": requests.__version__}),
    }
