<?php
// A merchant's webhook endpoint. Between the marked lines: the document's snippet, unchanged.
define('YOUR_WEBHOOK_SECRET', getenv('PEERX_WEBHOOK_SECRET'));

// ---- begin: PeerTupeer documentation, "PHP webhook verification" ----
// PHP webhook verification
$payload = file_get_contents('php://input');
$signature = $_SERVER['HTTP_X_PEERTUPEER_SIGNATURE'] ?? '';
$expected = hash_hmac('sha256', $payload, YOUR_WEBHOOK_SECRET);
if (!hash_equals($expected, $signature)) {
http_response_code(401);
exit('Invalid signature');
}
$event = json_decode($payload, true);
// ---- end ----

file_put_contents(getenv('PEERX_RECEIVED_LOG'), $event['event'] . "\n", FILE_APPEND);
echo 'ok';
