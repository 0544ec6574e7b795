package discordtest

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opPresenceUpdate = 3
	opVoiceState     = 4
	opResume         = 6
	opReconnect      = 7
	opRequestMembers = 8
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// Gateway close codes Discord uses.
const (
	closeUnknownError      = 4000
	closeUnknownOpcode     = 4001
	closeDecodeError       = 4002
	closeNotAuthenticated  = 4003
	closeAuthFailed        = 4004
	closeAlreadyAuthed     = 4005
	closeSessionTimedOut   = 4009
	closeInvalidAPIVersion = 4012
)

const (
	maxEventLog    = 1000 // dispatches kept for replay on RESUME
	gwWriteTimeout = 2 * time.Second
	gwMaxPayload   = 4096 // Discord's limit on what a client sends
	intentGuilds   = 1 << 0
)

// gwSession is what survives a connection and lets a client RESUME.
type gwSession struct {
	id       string
	seq      int64
	compress bool
	intents  uint64
	log      []gwEvent // most recent dispatches, for replay
}

type gwEvent struct {
	seq     int64
	payload []byte // the complete frame, uncompressed
}

// gwConn is one gateway websocket.
type gwConn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex // serialises writes
	sess *gwSession // set once IDENTIFY or RESUME succeeded on this connection; guarded by Server.mu
}

type gwFrame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

func (c *gwConn) write(msgType int, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(gwWriteTimeout))
	return c.ws.WriteMessage(msgType, b)
}

// writeOp sends a non-dispatch payload, always as text.
func (c *gwConn) writeOp(op int, d any) error {
	b, err := json.Marshal(map[string]any{"op": op, "d": d, "s": nil, "t": nil})
	if err != nil {
		return err
	}
	return c.write(websocket.TextMessage, b)
}

// writeDispatch sends a dispatch frame, zlib-compressed in a binary frame when the session
// asked for compress in IDENTIFY (Discord's payload compression; each frame is a whole
// zlib stream, which is what discordgo's onEvent expects).
func (c *gwConn) writeDispatch(compress bool, payload []byte) error {
	if !compress {
		return c.write(websocket.TextMessage, payload)
	}
	z := zlibPool.Get().(*zlibBuf)
	defer zlibPool.Put(z)
	z.buf.Reset()
	z.w.Reset(&z.buf)
	z.w.Write(payload)
	z.w.Close()
	return c.write(websocket.BinaryMessage, z.buf.Bytes())
}

// zlibBuf is a reusable zlib stream: a compressor holds some 800 KiB of
// state, which a new writer per frame allocated and cleared again.
type zlibBuf struct {
	buf bytes.Buffer
	w   *zlib.Writer
}

// zlibPool's writers compress at zlib's fastest level: any level is a valid stream for
// the client, and the stand-in's compression shares the CPU with the bot under test.
var zlibPool = sync.Pool{New: func() any {
	z := new(zlibBuf)
	z.w, _ = zlib.NewWriterLevel(&z.buf, zlib.BestSpeed)
	return z
}}

func (c *gwConn) closeWith(code int, text string) {
	c.wmu.Lock()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(gwWriteTimeout))
	c.wmu.Unlock()
	c.ws.Close()
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	c := &gwConn{ws: ws}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		ws.Close()
		s.mu.Lock()
		delete(s.conns, c)
		if s.active == c {
			s.active = nil
			s.notifyLocked()
		}
		s.mu.Unlock()
	}()

	q := r.URL.Query()
	if v := q.Get("v"); v != "" && v != "9" && v != "10" {
		c.closeWith(closeInvalidAPIVersion, "Invalid API version.")
		return
	}
	if e := q.Get("encoding"); e != "" && e != "json" {
		c.closeWith(closeDecodeError, "Only encoding=json is supported by discordtest.")
		return
	}
	if q.Get("compress") != "" {
		// Transport compression (zlib-stream) is not something discordgo uses.
		c.closeWith(closeUnknownError, "Transport compression is not supported by discordtest.")
		return
	}

	ws.SetReadLimit(gwMaxPayload)
	hb := s.opts.HeartbeatInterval
	if err := c.writeOp(opHello, map[string]any{
		"heartbeat_interval": hb.Milliseconds(),
		"_trace":             []string{`["discordtest-gateway",{"micros":0}]`},
	}); err != nil {
		return
	}
	// Discord drops a connection that stops heartbeating; the deadline also bounds this goroutine.
	timeout := 3*hb + 2*time.Second
	for {
		ws.SetReadDeadline(time.Now().Add(timeout))
		mt, msg, err := ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
				// Closing with 1000/1001 ends the session on Discord: it cannot be resumed.
				s.mu.Lock()
				if c.sess != nil && s.sess == c.sess {
					s.sess = nil
				}
				s.mu.Unlock()
			}
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				c.closeWith(closeSessionTimedOut, "Session timed out.")
			}
			return
		}
		if mt != websocket.TextMessage {
			c.closeWith(closeDecodeError, "Error while decoding payload.")
			return
		}
		var f gwFrame
		if err := json.Unmarshal(msg, &f); err != nil {
			c.closeWith(closeDecodeError, "Error while decoding payload.")
			return
		}
		s.mu.Lock()
		authed := c.sess != nil
		s.mu.Unlock()
		switch f.Op {
		case opHeartbeat:
			if err := c.writeOp(opHeartbeatACK, nil); err != nil {
				return
			}
		case opIdentify:
			if authed {
				c.closeWith(closeAlreadyAuthed, "Already authenticated.")
				return
			}
			if !s.identify(c, f.D) {
				return
			}
		case opResume:
			if authed {
				c.closeWith(closeAlreadyAuthed, "Already authenticated.")
				return
			}
			if !s.resume(c, f.D) {
				return
			}
		case opPresenceUpdate, opVoiceState, opRequestMembers:
			if !authed {
				c.closeWith(closeNotAuthenticated, "Not authenticated.")
				return
			}
		default:
			c.closeWith(closeUnknownOpcode, "Unknown opcode.")
			return
		}
	}
}

func (s *Server) tokenOK(tok string) bool {
	return strings.TrimPrefix(tok, "Bot ") == s.opts.Token
}

// identify handles op 2. It reports whether the connection stays open.
func (s *Server) identify(c *gwConn, d json.RawMessage) bool {
	var id struct {
		Token    string  `json:"token"`
		Compress bool    `json:"compress"`
		Intents  *uint64 `json:"intents"`
		Shard    *[2]int `json:"shard"`
	}
	if err := json.Unmarshal(d, &id); err != nil {
		c.closeWith(closeDecodeError, "Error while decoding payload.")
		return false
	}
	if !s.tokenOK(id.Token) {
		s.logf("IDENTIFY with a wrong token")
		c.closeWith(closeAuthFailed, "Authentication failed.")
		return false
	}
	if id.Intents == nil {
		c.closeWith(closeDecodeError, "Error while decoding payload: intents missing.")
		return false
	}
	sess := &gwSession{id: newSessionID(), compress: id.Compress, intents: *id.Intents}

	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	s.sess = sess
	c.sess = sess
	s.identifies++
	ready := map[string]any{
		"v":                       9,
		"user":                    s.botUser(),
		"guilds":                  []any{map[string]any{"id": s.opts.GuildID, "unavailable": true}},
		"session_id":              sess.id,
		"session_type":            "normal",
		"resume_gateway_url":      s.GatewayURL(),
		"application":             map[string]any{"id": s.opts.AppID, "flags": 0},
		"private_channels":        []any{},
		"presences":               []any{},
		"relationships":           []any{},
		"user_settings":           map[string]any{},
		"guild_join_requests":     []any{},
		"geo_ordered_rtc_regions": []string{"local"},
		"_trace":                  []string{`["discordtest-gateway",{"micros":0}]`},
	}
	if id.Shard != nil {
		ready["shard"] = id.Shard
	}
	frames := [][]byte{s.logDispatchLocked(sess, "READY", ready)}
	if sess.intents&intentGuilds != 0 {
		// Guilds arrive after READY as GUILD_CREATE, as on Discord.
		frames = append(frames, s.logDispatchLocked(sess, "GUILD_CREATE", s.guildCreate()))
	}
	s.mu.Unlock()

	return s.deliver(c, sess, frames)
}

// resume handles op 6: replays the dispatches after the client's sequence, then RESUMED.
// A RESUME Discord could not honour gets op 9 INVALID_SESSION (d=false); the client must
// IDENTIFY on the same connection.
func (s *Server) resume(c *gwConn, d json.RawMessage) bool {
	var rp struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if err := json.Unmarshal(d, &rp); err != nil {
		c.closeWith(closeDecodeError, "Error while decoding payload.")
		return false
	}
	if !s.tokenOK(rp.Token) {
		c.closeWith(closeAuthFailed, "Authentication failed.")
		return false
	}

	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	sess := s.sess
	if sess == nil || sess.id != rp.SessionID || rp.Seq > sess.seq || (len(sess.log) > 0 && rp.Seq < sess.log[0].seq-1) {
		s.mu.Unlock()
		s.logf("RESUME of session %q at seq %d refused: INVALID_SESSION", rp.SessionID, rp.Seq)
		return c.writeOp(opInvalidSession, false) == nil
	}
	c.sess = sess
	s.resumes++
	var frames [][]byte
	for _, e := range sess.log {
		if e.seq > rp.Seq {
			frames = append(frames, e.payload)
		}
	}
	// RESUMED takes a sequence number but is not replayed itself.
	sess.seq++
	seq := sess.seq
	frames = append(frames, dispatchFrame("RESUMED", seq, map[string]any{"_trace": []string{"discordtest"}}))
	s.mu.Unlock()

	return s.deliver(c, sess, frames)
}

// deliver writes a session's opening dispatches (READY or the replay
// ending in RESUMED) to c, then makes c the connection dispatches go to.
// The caller holds sendMu, so nothing is dispatched in between.
func (s *Server) deliver(c *gwConn, sess *gwSession, frames [][]byte) bool {
	for _, f := range frames {
		if err := c.writeDispatch(sess.compress, f); err != nil {
			return false
		}
	}
	s.mu.Lock()
	if s.sess == sess && !s.closed {
		s.active = c
		s.notifyLocked()
	}
	s.mu.Unlock()
	return true
}

// dispatchFrame renders a dispatch frame; d may be JSON already (json.RawMessage).
func dispatchFrame(name string, seq int64, d any) []byte {
	raw, ok := d.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(d); err != nil {
			panic("discordtest: marshal dispatch: " + err.Error())
		}
	}
	t, _ := json.Marshal(name)
	b := make([]byte, 0, len(raw)+len(t)+40)
	b = append(b, `{"op":`...)
	b = strconv.AppendInt(b, opDispatch, 10)
	b = append(append(b, `,"t":`...), t...)
	b = strconv.AppendInt(append(b, `,"s":`...), seq, 10)
	b = append(append(b, `,"d":`...), raw...)
	return append(b, '}')
}

// logDispatchLocked assigns the next sequence number to an event and keeps it for replay.
// s.mu must be held.
func (s *Server) logDispatchLocked(sess *gwSession, name string, d any) []byte {
	sess.seq++
	f := dispatchFrame(name, sess.seq, d)
	sess.log = append(sess.log, gwEvent{seq: sess.seq, payload: f})
	if len(sess.log) > maxEventLog {
		sess.log = append([]gwEvent(nil), sess.log[len(sess.log)-maxEventLog:]...)
	}
	return f
}

// dispatch sends an event to the ready connection, waiting for one if needed (the wait is
// bounded by wait's ctx). If the write fails the event stays in the session's log and is
// replayed when the client resumes, as on Discord. onLogged runs with s.mu held, right
// after the event got its sequence number.
func (s *Server) dispatch(waitReady func() error, name string, d any, onLogged func()) error {
	// Rendered before taking the locks, which every dispatch and callback share.
	raw, ok := d.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(d); err != nil {
			return fmt.Errorf("discordtest: marshal %s: %w", name, err)
		}
	}
	for {
		if err := waitReady(); err != nil {
			return err
		}
		s.sendMu.Lock()
		s.mu.Lock()
		c := s.active
		if c == nil || s.sess == nil {
			s.mu.Unlock()
			s.sendMu.Unlock()
			continue // lost the connection between the wait and here: wait again
		}
		sess := s.sess
		f := s.logDispatchLocked(sess, name, raw)
		if onLogged != nil {
			onLogged()
		}
		s.mu.Unlock()
		err := c.writeDispatch(sess.compress, f)
		s.sendMu.Unlock()
		if err != nil {
			s.logf("dispatch %s: %v (will be replayed on RESUME)", name, err)
		}
		return nil
	}
}

// Reconnect sends op 7 RECONNECT to the ready connection. The client must close it and
// RESUME on a new one; WaitReady then waits for that. No-op without a ready connection.
func (s *Server) Reconnect() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	c := s.active
	s.active = nil
	s.notifyLocked()
	s.mu.Unlock()
	if c != nil {
		c.writeOp(opReconnect, nil)
	}
}

// DropConnection closes the ready connection's socket without a close frame, like a network
// failure. The session stays resumable. No-op without a ready connection.
func (s *Server) DropConnection() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	c := s.active
	s.active = nil
	s.notifyLocked()
	s.mu.Unlock()
	if c != nil {
		c.ws.Close()
	}
}

// InvalidateSession sends op 9 INVALID_SESSION (d=false) on the ready connection and forgets
// the session: the client must IDENTIFY again. No-op without a ready connection.
func (s *Server) InvalidateSession() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.mu.Lock()
	c := s.active
	s.active = nil
	if c != nil {
		s.sess = nil
		c.sess = nil // it may IDENTIFY again on this connection
	}
	s.notifyLocked()
	s.mu.Unlock()
	if c != nil {
		c.writeOp(opInvalidSession, false)
	}
}

func newSessionID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
