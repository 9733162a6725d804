# pyrad (python3-pyrad) two-step login: password → Access-Challenge with State → State + code → final code.
# Usage: /usr/bin/python3 pyrad-challenge.py PORT SECRET USER PASSWORD CODE DICTFILE
import sys

from pyrad.client import Client, Timeout
from pyrad.dictionary import Dictionary
from pyrad.packet import AccessChallenge

port, secret, user, password, code, dictfile = sys.argv[1:7]
client = Client(server="127.0.0.1", authport=int(port), secret=secret.encode(), dict=Dictionary(dictfile))
client.timeout = 2
client.retries = 1


def send(pw, state=None):
    request = client.CreateAuthPacket(User_Name=user)
    request["User-Password"] = request.PwCrypt(pw)
    if state is not None:
        request["State"] = state
    return client.SendPacket(request)


try:
    first = send(password)
    print("first", first.code)
    if first.code != AccessChallenge:
        sys.exit(0)
    state = first["State"][0]
    print("state-octets", len(state))
    print("reply-message", first["Reply-Message"][0])
    second = send(code, state)
    print("second", second.code)
    for name in ("Class", "Filter-Id"):
        if name in second:
            print(name, second[name][0])
except Timeout:
    print("timeout")
