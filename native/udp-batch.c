// Owns a batched UDP socket for the RADIUS listener: recvmmsg(2) reads up to RECV_BATCH datagrams per system
// call into a buffer JavaScript shares, one call into JavaScript handles them all, and the replies it sends
// meanwhile leave in one sendmmsg(2). Node's dgram pays a system call, a 64 KiB malloc and a JavaScript call per
// datagram, and a system call per reply (docs/performance.md, "the per-request floor").
// Over 400 lines: one socket's whole life (open, read, queue, flush, close) and its Node-API surface, which
// share one struct; split, each half would need the other's internals.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

// RFC 2865 §3: a RADIUS packet is at most 4096 octets. One more octet tells a longer datagram apart.
#define SLOT 4097
#define RECV_BATCH 64
#define SEND_BATCH 64
// 16 octets of numbers, then room for the longest IPv6 text with a zone (46 + 1 + 16, rounded up).
#define TEXT_ROOM 80
#define META_WORDS (4 + TEXT_ROOM / 4)
// Batches read per readable event before timers and other sockets get their turn (libuv's dgram reads 32).
#define MAX_BATCHES_PER_EVENT 4

typedef struct {
  int fd;
  int family;
  int in_batch;
  int closed;
  // The memory is freed when both handles have closed and JavaScript's handle was collected.
  int handles_open;
  int external_gone;
  napi_env env;
  uv_poll_t poll;
  // Replies sent outside a batch (after the password worker, LDAP, PostgreSQL, a push, a reject delay) wait in
  // the queue for the loop's next check or idle phase, whichever comes first: a reply sent during I/O callbacks
  // leaves after all of this turn's completions, in one sendmmsg with theirs. The idle handle is what keeps the
  // loop from blocking in its poll phase while replies wait (libuv polls without a timeout only when one is
  // active); a reply sent from a timer leaves in the idle phase that follows.
  uv_check_t check;
  uv_idle_t idle;
  int flush_pending;
  napi_ref on_batch;
  napi_ref data_ref;
  napi_ref meta_ref;
  napi_ref self_ref;
  napi_async_context async_context;
  uint8_t *data;
  int32_t *meta;
  struct mmsghdr rmsgs[RECV_BATCH];
  struct iovec riov[RECV_BATCH];
  struct sockaddr_storage raddr[RECV_BATCH];
  int queued;
  struct mmsghdr smsgs[SEND_BATCH];
  struct iovec siov[SEND_BATCH];
  struct sockaddr_storage saddr[SEND_BATCH];
  uint8_t sdata[SEND_BATCH * SLOT];
  double sent_batches;
  int unreported_failures;
  double received_batches;
} udp_batch;

// An Error whose code is the errno's name (EADDRINUSE…), as Node's dgram reports a failed bind.
static napi_value throw_errno(napi_env env, const char *syscall, int err) {
  napi_value code, message, error;
  const char *name = uv_err_name(-err);
  char text[200];
  snprintf(text, sizeof text, "%s %s (%s)", syscall, name, strerror(err));
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_throw(env, error);
  return NULL;
}

// Sends the queued replies; a reply the kernel refuses is skipped and counted, the others still leave.
static void flush(udp_batch *u) {
  int done = 0;
  while (done < u->queued) {
    int n = sendmmsg(u->fd, u->smsgs + done, (unsigned)(u->queued - done), MSG_DONTWAIT);
    if (n > 0) {
      done += n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      // Lost as a datagram lost on the wire would be: the NAS retransmits and the duplicate cache answers.
      u->unreported_failures += u->queued - done;
      break;
    }
    u->unreported_failures++;
    done++;
  }
  u->queued = 0;
  u->sent_batches++;
}

// The address text as Node's dgram parses it (libuv: dotted quad, or IPv6 with an optional %zone).
static int parse_address(udp_batch *u, const char *text, int port, struct sockaddr_storage *out, socklen_t *len) {
  memset(out, 0, sizeof *out);
  if (u->family == AF_INET) {
    *len = sizeof(struct sockaddr_in);
    return uv_ip4_addr(text, port, (struct sockaddr_in *)out);
  }
  *len = sizeof(struct sockaddr_in6);
  return uv_ip6_addr(text, port, (struct sockaddr_in6 *)out);
}

// Per datagram: [length, port, 4 or 6, text length] and then, from octet 16, the IPv4 address's four octets (the
// caller formats and caches them) or the IPv6 address as Node's dgram writes it: libuv's inet_ntop, and for a
// link-local address its %interface.
static void fill_meta(udp_batch *u, int i) {
  int32_t *m = u->meta + i * META_WORDS;
  char *text = (char *)(m + 4);
  m[0] = (int32_t)u->rmsgs[i].msg_len;
  m[3] = 0;
  if (u->raddr[i].ss_family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&u->raddr[i];
    m[1] = ntohs(sin->sin_port);
    m[2] = 4;
    memcpy(text, &sin->sin_addr, 4);
    return;
  }
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&u->raddr[i];
  m[1] = ntohs(sin6->sin6_port);
  m[2] = 6;
  if (uv_inet_ntop(AF_INET6, &sin6->sin6_addr, text, TEXT_ROOM) != 0) return;
  size_t length = strlen(text);
  if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) && sin6->sin6_scope_id > 0) {
    size_t room = TEXT_ROOM - length - 1;
    text[length] = '%';
    if (uv_if_indextoiid(sin6->sin6_scope_id, text + length + 1, &room) == 0) length += 1 + room;
  }
  m[3] = (int32_t)length;
}

static napi_value int32_value(napi_env env, int32_t number) {
  napi_value value;
  napi_create_int32(env, number, &value);
  return value;
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  udp_batch *u = (udp_batch *)poll->data;
  if (status < 0 || u->closed) return;
  napi_env env = u->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, self, argument, result;
  napi_get_reference_value(env, u->on_batch, &callback);
  napi_get_reference_value(env, u->self_ref, &self);
  for (int round = 0; round < MAX_BATCHES_PER_EVENT && !u->closed; round++) {
    for (int i = 0; i < RECV_BATCH; i++) {
      u->rmsgs[i].msg_hdr.msg_namelen = sizeof u->raddr[i];
      u->rmsgs[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(u->fd, u->rmsgs, RECV_BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) break;
    for (int i = 0; i < n; i++) fill_meta(u, i);
    u->received_batches++;
    argument = int32_value(env, n);
    u->in_batch = 1;
    napi_status called = napi_make_callback(env, u->async_context, self, callback, 1, &argument, &result);
    u->in_batch = 0;
    if (u->queued > 0 && !u->closed) flush(u);
    if (called == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
      break;
    }
    if (n < RECV_BATCH) break;
  }
  napi_close_handle_scope(env, scope);
}

static void on_handle_closed(uv_handle_t *handle) {
  udp_batch *u = (udp_batch *)handle->data;
  u->handles_open--;
  if (u->handles_open == 0 && u->external_gone) free(u);
}

static void flush_soon_done(udp_batch *u) {
  uv_check_stop(&u->check);
  uv_idle_stop(&u->idle);
  u->flush_pending = 0;
  if (!u->closed && u->queued > 0) flush(u);
}

static void on_check(uv_check_t *check) { flush_soon_done((udp_batch *)check->data); }

static void on_idle(uv_idle_t *idle) { flush_soon_done((udp_batch *)idle->data); }

static void on_external_collected(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  udp_batch *u = (udp_batch *)data;
  u->external_gone = 1;
  // Collected while still open cannot happen (self_ref holds it until close), but a process ending may.
  if (u->handles_open == 0) free(u);
}

// Reads up to `argc` arguments into `argv` and returns the socket the first one names (NULL if it names none).
static udp_batch *socket_argument(napi_env env, napi_callback_info info, size_t argc, napi_value *argv) {
  udp_batch *u = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (napi_get_value_external(env, argv[0], (void **)&u) != napi_ok) return NULL;
  return u;
}

// open(family, address, port, receiveBufferSize, data: ArrayBuffer, meta: ArrayBuffer, onBatch) → handle
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t family = 4, port = 0, rcvbuf = 0;
  napi_get_value_int32(env, argv[0], &family);
  char address[64] = "";
  size_t address_length;
  napi_get_value_string_utf8(env, argv[1], address, sizeof address, &address_length);
  napi_get_value_int32(env, argv[2], &port);
  napi_get_value_int32(env, argv[3], &rcvbuf);
  // Unchecked reads leave these as they are, and a call with the wrong arguments ends in the RangeError below.
  void *data = NULL;
  size_t data_length = 0;
  void *meta = NULL;
  size_t meta_length = 0;
  napi_get_arraybuffer_info(env, argv[4], &data, &data_length);
  napi_get_arraybuffer_info(env, argv[5], &meta, &meta_length);
  if (data_length < (size_t)RECV_BATCH * SLOT || meta_length < (size_t)RECV_BATCH * META_WORDS * 4) {
    napi_throw_range_error(env, NULL, "udp-batch: shared buffers too small");
    return NULL;
  }
  udp_batch *u = calloc(1, sizeof *u);
  if (u == NULL) return throw_errno(env, "calloc", ENOMEM);
  u->family = family == 6 ? AF_INET6 : AF_INET;
  struct sockaddr_storage local;
  socklen_t local_length;
  if (parse_address(u, address, port, &local, &local_length) != 0) {
    free(u);
    return throw_errno(env, "uv_ip_addr", EINVAL);
  }
  int fd = socket(u->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int err = errno;
    free(u);
    return throw_errno(env, "socket", err);
  }
  int one = 1;
  if (u->family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  // The kernel caps both at net.core.rmem_max / wmem_max; the defaults still work.
  if (rcvbuf > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf);
  }
  if (bind(fd, (struct sockaddr *)&local, local_length) != 0) {
    int err = errno;
    close(fd);
    free(u);
    return throw_errno(env, "bind", err);
  }
  u->fd = fd;
  u->env = env;
  u->data = data;
  u->meta = meta;
  for (int i = 0; i < RECV_BATCH; i++) {
    u->riov[i].iov_base = u->data + (size_t)i * SLOT;
    u->riov[i].iov_len = SLOT;
    u->rmsgs[i].msg_hdr.msg_iov = &u->riov[i];
    u->rmsgs[i].msg_hdr.msg_iovlen = 1;
    u->rmsgs[i].msg_hdr.msg_name = &u->raddr[i];
  }
  for (int i = 0; i < SEND_BATCH; i++) {
    u->siov[i].iov_base = u->sdata + (size_t)i * SLOT;
    u->smsgs[i].msg_hdr.msg_iov = &u->siov[i];
    u->smsgs[i].msg_hdr.msg_iovlen = 1;
    u->smsgs[i].msg_hdr.msg_name = &u->saddr[i];
  }
  napi_create_reference(env, argv[4], 1, &u->data_ref);
  napi_create_reference(env, argv[5], 1, &u->meta_ref);
  napi_create_reference(env, argv[6], 1, &u->on_batch);
  napi_value handle, resource_name;
  napi_create_external(env, u, on_external_collected, NULL, &handle);
  napi_create_reference(env, handle, 1, &u->self_ref);
  napi_create_string_utf8(env, "assent.udp-batch", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, handle, resource_name, &u->async_context);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &u->poll, fd);
  u->poll.data = u;
  uv_check_init(loop, &u->check);
  u->check.data = u;
  uv_idle_init(loop, &u->idle);
  u->idle.data = u;
  u->handles_open = 3;
  uv_poll_start(&u->poll, UV_READABLE, on_readable);
  return handle;
}

// send(handle, bytes: Uint8Array, port, address) → 0, or a negative errno. The reply is queued: inside a batch it
// leaves with the batch, outside one in the loop's next idle or check phase.
static napi_value send_datagram(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  udp_batch *u = socket_argument(env, info, 4, argv);
  if (u == NULL || u->closed) {
    return int32_value(env, -EBADF);
  }
  void *bytes = NULL;
  size_t length = 0;
  napi_typedarray_type type = napi_int8_array;
  int32_t port = 0;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &bytes, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || napi_get_value_int32(env, argv[2], &port) != napi_ok) {
    return int32_value(env, -EINVAL);
  }
  char address[64] = "";
  size_t address_length;
  napi_get_value_string_utf8(env, argv[3], address, sizeof address, &address_length);
  int rc = 0;
  int i = u->queued;
  socklen_t name_length;
  if (length > SLOT) {
    rc = -EMSGSIZE;
  } else if (parse_address(u, address, port, &u->saddr[i], &name_length) != 0) {
    rc = -EINVAL;
  } else {
    memcpy(u->sdata + (size_t)i * SLOT, bytes, length);
    u->siov[i].iov_len = length;
    u->smsgs[i].msg_hdr.msg_namelen = name_length;
    u->queued++;
    if (u->queued == SEND_BATCH) {
      flush(u);
    } else if (!u->in_batch && !u->flush_pending) {
      uv_check_start(&u->check, on_check);
      uv_idle_start(&u->idle, on_idle);
      u->flush_pending = 1;
    }
  }
  return int32_value(env, rc);
}

// flush(handle) → replies that could not be sent. JavaScript calls it at the end of each batch.
static napi_value flush_queue(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  udp_batch *u = socket_argument(env, info, 1, argv);
  int failed = 0;
  if (u != NULL && !u->closed) {
    if (u->queued > 0) flush(u);
    failed = u->unreported_failures;
    u->unreported_failures = 0;
  }
  return int32_value(env, failed);
}

static napi_value local_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  udp_batch *u = socket_argument(env, info, 1, argv);
  struct sockaddr_storage local;
  socklen_t length = sizeof local;
  int port = -1;
  if (u != NULL && !u->closed && getsockname(u->fd, (struct sockaddr *)&local, &length) == 0) {
    port = ntohs(local.ss_family == AF_INET ? ((struct sockaddr_in *)&local)->sin_port
                                            : ((struct sockaddr_in6 *)&local)->sin6_port);
  }
  return int32_value(env, port);
}

// stats(handle) → [batches received, batches of replies sent]: how well batching works under a given load.
static napi_value stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  udp_batch *u = socket_argument(env, info, 1, argv);
  napi_value result, value;
  napi_create_array_with_length(env, 2, &result);
  double values[2] = {u ? u->received_batches : 0, u ? u->sent_batches : 0};
  for (uint32_t i = 0; i < 2; i++) {
    napi_create_double(env, values[i], &value);
    napi_set_element(env, result, i, value);
  }
  return result;
}

static napi_value close_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  udp_batch *u = socket_argument(env, info, 1, argv);
  if (u != NULL && !u->closed) {
    u->closed = 1;
    if (u->queued > 0) flush(u);
    uv_poll_stop(&u->poll);
    uv_check_stop(&u->check);
    uv_idle_stop(&u->idle);
    close(u->fd);
    napi_delete_reference(env, u->on_batch);
    napi_delete_reference(env, u->data_ref);
    napi_delete_reference(env, u->meta_ref);
    napi_delete_reference(env, u->self_ref);
    napi_async_destroy(env, u->async_context);
    // JavaScript may still hold the handle: every entry point checks `closed`, and the memory stays until the
    // handle is collected too.
    uv_close((uv_handle_t *)&u->poll, on_handle_closed);
    uv_close((uv_handle_t *)&u->check, on_handle_closed);
    uv_close((uv_handle_t *)&u->idle, on_handle_closed);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, send_datagram, NULL, NULL, NULL, napi_default, NULL},
      {"flush", NULL, flush_queue, NULL, NULL, NULL, napi_default, NULL},
      {"localPort", NULL, local_port, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_socket, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  napi_value constants;
  napi_create_object(env, &constants);
  napi_set_named_property(env, constants, "slot", int32_value(env, SLOT));
  napi_set_named_property(env, constants, "receiveBatch", int32_value(env, RECV_BATCH));
  napi_set_named_property(env, constants, "metaWords", int32_value(env, META_WORDS));
  napi_set_named_property(env, exports, "constants", constants);
  return exports;
}

NAPI_MODULE(udp_batch, init)
