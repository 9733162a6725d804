# pyrad (python3-pyrad) as an independent RADIUS client: one PAP Access-Request, prints the reply code.
# Usage: /usr/bin/python3 pyrad-pap.py PORT SECRET USER PASSWORD DICTFILE
import sys

from pyrad.client import Client, Timeout
from pyrad.dictionary import Dictionary

port, secret, user, password, dictfile = sys.argv[1:6]
client = Client(server="127.0.0.1", authport=int(port), secret=secret.encode(), dict=Dictionary(dictfile))
client.timeout = 1
client.retries = 1
request = client.CreateAuthPacket(User_Name=user)
request["User-Password"] = request.PwCrypt(password)
try:
    reply = client.SendPacket(request)
except Timeout:
    print("timeout")
    sys.exit(0)
print("code", reply.code)
print("message-authenticator", "Message-Authenticator" in reply)
