"""Tests of appliances: registered appliance images answer the appliance HTTPS API at their instances'
private addresses, through the VPC proxy that functions attached to a VPC are given."""

import base64
import hashlib
import http.client
import json
import os
import socket
import ssl
import sys
import unittest
import urllib.error
import urllib.request

from harness import HERE, EmulatorTestCase
from test_lambda_runner import package

IMAGE = "ami-0a1b2c3d4e5f60799"
CERTIFICATE = os.path.join(HERE, "appliance", "example-cert.pem")
# The fingerprint blueprints/appliance-asg.yaml pins (the shipped example certificate's).
PINNED = "B2:52:FA:77:D2:40:F1:F9:C9:54:4B:77:55:BE:AB:2E:BC:6C:49:EA:62:34:C4:44:B9:F7:C9:65:30:D3:19:51"


class AppliancesTest(EmulatorTestCase):
    def setUp(self):
        self.emu.reset()
        self.ec2 = self.emu.client("ec2")
        self.assertEqual(self.control("POST", "/_iac/stand-ins/appliances", {"image_id": IMAGE, "region": "us-east-1"})[0], 201)
        vpc = self.ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
        self.instance, self.address = self.launch(IMAGE)
        self.proxy = self.control("GET", "/_iac/appliances")[1]["proxy"]

    def launch(self, image):
        found = self.ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=self.subnet)["Instances"][0]
        return found["InstanceId"], found["PrivateIpAddress"]

    def control(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.emu.endpoint}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def connect(self, address=None, port=443):
        """An HTTPS connection to the appliance through the proxy, TLS end to end (unverified here:
        the test checks the certificate's fingerprint itself, as the configure function pins it)."""
        host, proxy_port = self.proxy.removeprefix("http://").rsplit(":", 1)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(host, int(proxy_port), context=context, timeout=10)
        conn.set_tunnel(address or self.address, port)
        self.addCleanup(conn.close)
        return conn

    def call(self, conn, method, path, password, body=b"", content_type="application/json", user="admin"):
        credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
        conn.request(method, path, body=body, headers={"Authorization": f"Basic {credentials}", "Content-Type": content_type})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())

    def raw_connect(self, line):
        host, port = self.proxy.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(line.encode() + b"\r\n\r\n")
            return s.recv(4096).decode().split("\r\n", 1)[0]

    def test_the_appliance_presents_the_shipped_certificate_the_blueprint_pins(self):
        conn = self.connect()
        conn.connect()
        seen = hashlib.sha256(conn.sock.getpeercert(binary_form=True)).hexdigest()
        with open(CERTIFICATE) as f:
            pem = f.read()
        shipped = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()
        self.assertEqual(seen, shipped)
        self.assertEqual(seen, PINNED.replace(":", "").lower())
        with open(os.path.join(HERE, "..", "..", "blueprints", "appliance-asg.yaml")) as f:
            blueprint = f.read()
        self.assertIn(PINNED, blueprint)

    def test_first_boot_password_then_licence_and_configuration_are_recorded(self):
        conn = self.connect()
        self.assertEqual(self.call(conn, "GET", "/api/v2/status", self.instance)[0], 200)
        licence = json.dumps({"kind": "file", "name": "a.lic", "content": base64.b64encode(b"LICENCE").decode()})
        status, answer = self.call(conn, "PUT", "/api/v2/licence", self.instance, licence)
        self.assertEqual((status, answer["error"]), (403, "the administrator must change the initial password first"))
        password = json.dumps({"user": "admin", "new_password": "s3cret"})
        self.assertEqual(self.call(conn, "POST", "/api/v2/admin/password", self.instance, password)[0], 200)
        self.assertEqual(self.call(conn, "GET", "/api/v2/status", self.instance)[0], 401, "the initial password is gone")
        self.assertEqual(self.call(conn, "PUT", "/api/v2/licence", "s3cret", licence)[0], 200)
        self.assertEqual(self.call(conn, "PUT", "/api/v2/licence", "s3cret", licence)[0], 409, "already installed")
        self.assertEqual(self.call(conn, "PUT", "/api/v2/licence", "s3cret", '{"kind": "file"}')[0], 400)
        self.assertEqual(self.call(conn, "PUT", "/api/v2/configuration", "s3cret", "set hostname x", "application/json")[0], 415)
        text = "config system global\n    set hostname fw-1\nend\n"
        self.assertEqual(self.call(conn, "PUT", "/api/v2/configuration", "s3cret", text, "text/plain; charset=utf-8")[0], 200)
        self.assertEqual(self.call(conn, "GET", "/api/v2/configuration", "s3cret")[0], 405)
        self.assertEqual(self.call(conn, "GET", "/api/v2/nothing", "s3cret")[0], 404)

        status, state = self.control("GET", "/_iac/appliances")
        self.assertEqual(status, 200)
        [appliance] = state["appliances"]
        self.assertEqual(appliance["instance_id"], self.instance)
        self.assertEqual(appliance["address"], self.address)
        self.assertEqual(appliance["password"], "s3cret")
        self.assertEqual(appliance["password_changes"], 1)
        self.assertEqual(appliance["failed_logins"], 1)
        self.assertEqual(appliance["licence"], json.loads(licence))
        self.assertEqual((appliance["configuration"], appliance["configurations"]), (text, 1))
        self.assertEqual(appliance["requests"][:4], [
            "GET /api/v2/status 200", "PUT /api/v2/licence 403", "POST /api/v2/admin/password 200", "GET /api/v2/status 401",
        ])

    def test_three_failed_logins_lock_the_administrator_out(self):
        conn = self.connect()
        for _ in range(3):
            self.assertEqual(self.call(conn, "GET", "/api/v2/status", "wrong")[0], 401)
        status, answer = self.call(conn, "GET", "/api/v2/status", self.instance)
        self.assertEqual(status, 403, answer)
        self.assertIn("locked out", answer["error"])
        self.assertEqual(self.call(conn, "GET", "/api/v2/status", self.instance, user="root")[0], 403)

    def test_the_proxy_refuses_what_the_vpc_would_not_connect(self):
        self.assertEqual(self.raw_connect("CONNECT 10.30.9.9:443 HTTP/1.1"), "HTTP/1.1 504 Gateway Timeout")
        self.assertEqual(self.raw_connect(f"CONNECT {self.address}:8443 HTTP/1.1"), "HTTP/1.1 502 Bad Gateway")
        _, other = self.launch("ami-0b1b2c3d4e5f60799")
        self.assertEqual(self.raw_connect(f"CONNECT {other}:443 HTTP/1.1"), "HTTP/1.1 502 Bad Gateway")
        self.assertEqual(self.raw_connect(f"GET http://{self.address}/ HTTP/1.1"), "HTTP/1.1 405 Method Not Allowed")
        self.ec2.terminate_instances(InstanceIds=[self.instance])
        self.assertEqual(self.raw_connect(f"CONNECT {self.address}:443 HTTP/1.1"), "HTTP/1.1 504 Gateway Timeout")

    def test_registration_is_checked_and_updates_the_settings(self):
        body = {"image_id": IMAGE, "region": "us-east-1", "port": 8443, "admin_user": "fortiadmin"}
        self.assertEqual(self.control("POST", "/_iac/stand-ins/appliances", body), (200, body))
        self.assertEqual(self.control("GET", "/_iac/stand-ins/appliances")[1]["images"], [body])
        for bad in ({"image_id": "ami-x", "region": "us-east-1"}, {"image_id": IMAGE}, {**body, "port": 0},
                    {**body, "colour": "red"}, {**body, "admin_user": ""}):
            self.assertEqual(self.control("POST", "/_iac/stand-ins/appliances", bad)[0], 400, bad)
        conn = self.connect(port=8443)
        self.assertEqual(self.call(conn, "GET", "/api/v2/status", self.instance, user="fortiadmin")[0], 200)
        self.emu.reset()
        self.assertEqual(self.control("GET", "/_iac/appliances")[1]["images"], [])

    def test_functions_in_a_vpc_are_given_the_vpc_proxy(self):
        lam = self.emu.client("lambda")
        role = self.emu.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        group = self.ec2.create_security_group(GroupName="fn", Description="fn", VpcId=self.ec2.describe_subnets(
            SubnetIds=[self.subnet])["Subnets"][0]["VpcId"])["GroupId"]
        bootstrap = f"""#!{sys.executable}
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
with urllib.request.urlopen(api + "/invocation/next") as r:
    request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
body = {{k: os.environ.get(k) for k in ("HTTPS_PROXY", "NO_PROXY")}}
urllib.request.urlopen(urllib.request.Request(api + "/invocation/" + request_id + "/response",
                       data=json.dumps(body).encode(), method="POST")).read()
"""
        for name, vpc in (("in-vpc", {"SubnetIds": [self.subnet], "SecurityGroupIds": [group]}), ("outside", None)):
            lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=role, Handler="bootstrap",
                                Timeout=10, Code={"ZipFile": package(bootstrap)}, **({"VpcConfig": vpc} if vpc else {}))
        seen = json.loads(lam.invoke(FunctionName="in-vpc")["Payload"].read())
        self.assertEqual(seen, {"HTTPS_PROXY": self.proxy, "NO_PROXY": "localhost,127.0.0.1"})
        seen = json.loads(lam.invoke(FunctionName="outside")["Payload"].read())
        self.assertEqual(seen, {"HTTPS_PROXY": None, "NO_PROXY": None})


if __name__ == "__main__":
    unittest.main()
