"""Wire shapes of the chat as the current Peach app speaks it (peach-app
src/views/contractChat/ContractChat.tsx, src/utils/peachAPI/websocket/createWebsocket.ts): a
message carries the app's room name `roomId` besides the document's `roomid`, and the frames the
app sends over its socket."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict

from peerx.products.bitcoin.contracts.schemas import ChatMessage, ChatText
from peerx.products.bitcoin.schemas import ContractId, PeachRequest


def room_name(contract_id: str) -> str:
    """The app's name of a contract's room (it drops socket messages of any other room)."""
    return f"contract-{contract_id}"


class ChatEntry(ChatMessage):
    """A chat message: the document's fields, then the app's `roomId` ("contract-<id>")."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "date": "2021-09-17T14:41:41.605Z",
                    "from": "26dc...5de2",
                    "message": "-----BEGIN PGP MESSAGE-----...",
                    "readBy": ["26dc...5de2"],
                    "roomid": "123-456",
                    "signature": "-----BEGIN PGP SIGNATURE-----...",
                    "roomId": "contract-123-456",
                }
            ]
        }
    )
    room_id: str


class SocketChat(PeachRequest):
    """{path: "/v1/contract/chat", contractId, message, signature}: as POST /v1/contract/:id/chat."""

    contract_id: ContractId
    message: ChatText
    signature: ChatText


class SocketChatRead(PeachRequest):
    """{path: "/v1/contract/chat/received", contractId, start, end}: the app sends the read
    message's date as both ends; room indexes (as the HTTP route takes them) are read too."""

    contract_id: ContractId
    start: int | datetime
    end: int | datetime
