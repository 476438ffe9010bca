"""badgectl run as a user would: output, exit codes, errors."""
import json
import subprocess

import pytest

from badged_fixture import Badged
from conftest import swift_bin_path


@pytest.fixture
def server(tmp_path):
    s = Badged(tmp_path)
    yield s
    assert s.stop() == 0


def ctl(*args, env_token=None, server=None):
    command = [str(swift_bin_path() / "badgectl")]
    if server:
        command += ["--server", server.address]
    result = subprocess.run(command + [str(a) for a in args], capture_output=True, text=True, timeout=30,
                            env={"PATH": "/usr/bin:/bin", **({"BADGES_TOKEN": env_token} if env_token else {})})
    return result.returncode, result.stdout, result.stderr


def test_walkthrough(server, tmp_path):
    code, token, _ = ctl("token", "mint", "--key-file", tmp_path / "badges.sqlite.key", "--org", "acme", "--scopes", "admin")
    assert code == 0 and token.startswith("v1.")
    token = token.strip()
    code, out, err = ctl("--token", token, "award", "configure-organization", "--organization-id", "acme", "--tier", "ENTERPRISE",
                         "--badges-enabled", "true", server=server)
    assert code == 0, err
    assert json.loads(out)["organization"] == {"id": "acme", "tier": "ENTERPRISE", "badgesEnabled": True}
    event = {"event": {"organizationId": "acme", "eventId": "e1", "userId": "ana", "profileCompleted": {}}}
    code, out, err = ctl("award", "record-activity", "--json", json.dumps(event), env_token=token, server=server)
    assert code == 0, err
    assert json.loads(out)["awarded"][0]["badge"]["name"] == "All Set Up"
    code, out, _ = ctl("award", "record-activity", "--json", json.dumps(event), env_token=token, server=server)
    assert json.loads(out) == {"duplicate": True}
    code, out, _ = ctl("progress", "get-achievements", "--organization-id", "acme", "--user-id", "ana", env_token=token, server=server)
    assert json.loads(out)["lifetimeBadgeCount"] == 1
    code, out, _ = ctl("report", "list-badges", "--organization-id", "acme", env_token=token, server=server)
    assert len(json.loads(out)["badges"]) == 31
    code, out, _ = ctl("health", "check", server=server)
    assert json.loads(out) == {"status": "SERVING"}


def test_errors_print_status_and_exit_nonzero(server, tmp_path):
    code, out, err = ctl("progress", "get-achievements", "--organization-id", "acme", "--user-id", "ana", server=server)
    assert code == 1 and out == ""
    assert err.strip() == "error: UNAUTHENTICATED: missing 'authorization: Bearer <token>' metadata"
    _, token, _ = ctl("token", "mint", "--key-file", tmp_path / "badges.sqlite.key", "--org", "globex")
    code, _, err = ctl("progress", "get-achievements", "--organization-id", "acme", "--user-id", "ana", env_token=token.strip(), server=server)
    assert code == 1 and err.strip() == "error: PERMISSION_DENIED: the token is for organization 'globex', not 'acme'"


def test_usage_mistakes_exit_2():
    assert ctl("award", "no-such-command")[0] == 2
    code, _, err = ctl("award", "configure-organization", "--colour", "red")
    assert code == 2 and "unknown flag --colour" in err
    code, _, err = ctl("award", "configure-organization", "--tier", "GOLD")
    assert code == 2 and "--tier takes one of TIER_UNSPECIFIED, FREE, STANDARD, PROFESSIONAL, ENTERPRISE" in err
    code, _, err = ctl("award", "record-activity", "--json", "{not json")
    assert code == 2 and "--json is not valid JSON" in err
    code, _, err = ctl("award", "record-activity", "--json", '{"event": {"colour": 1}}')
    assert code == 2 and "event.colour: no such field in badges.v1.ActivityEvent" in err
    code, out, _ = ctl("help")
    assert code == 0 and "award record-activity" in out and "token mint" in out


def test_unreachable_server_is_unavailable():
    code, _, err = ctl("--server", "127.0.0.1:1", "health", "check")
    assert code == 1 and err.startswith("error: UNAVAILABLE:")
