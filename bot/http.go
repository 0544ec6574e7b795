package bot

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Limits of the interactions endpoint.
const (
	// maxInteractionBody bounds a request body; interactions are a few KiB.
	maxInteractionBody = 1 << 20
	// maxBodyHint bounds the buffer allocated from a request's
	// Content-Length before its body arrives.
	maxBodyHint = 64 << 10
	// maxSignatureAge is how far a request's signed timestamp may be from
	// now, either way, before it is refused as a replay.
	maxSignatureAge = 5 * time.Minute
	// firstResponseWait bounds the wait for a handler's first response:
	// Discord gives up after 3 seconds (and /ask defers well before).
	firstResponseWait = 3 * time.Second
)

// errRequestOver is the error of a first response that came after the
// HTTP request it would have answered had ended.
var errRequestOver = errors.New("the interaction's HTTP request ended before the first response")

// InteractionsHandler returns the handler for Discord's Interactions
// Endpoint URL (POST /interactions), which takes interactions instead of
// the gateway when the application has one. It answers 405 to other methods
// than POST, 413 to a body over 1 MiB, 401 unless the request is signed with
// the application's key (cfg.PublicKey; Ed25519 over X-Signature-Timestamp
// and the body, the timestamp within 5 minutes of now), 400 to invalid JSON,
// a PING with a PONG, and 503 unless Run is running (before it starts, and
// once shutting down). Other interactions are handled as over the gateway:
// the first response is the HTTP response, later ones go through Discord's
// REST API. A refused request runs nothing and is logged at debug level only.
func (b *Bot) InteractionsHandler() http.Handler { return http.HandlerFunc(b.serveInteraction) }

func (b *Bot) serveInteraction(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		b.refuse(w, r, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	// The body is read after the signed timestamp, which is what the
	// signature is over: the message to verify costs no further copy.
	stamp := r.Header.Get("X-Signature-Timestamp")
	msg, err := readBody(http.MaxBytesReader(w, r.Body, maxInteractionBody), stamp, r.ContentLength)
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			b.refuse(w, r, http.StatusRequestEntityTooLarge, "body too large")
		} else {
			b.refuse(w, r, http.StatusBadRequest, "unreadable body")
		}
		return
	}
	body := msg[len(stamp):]
	if why := b.checkSignature(r.Header.Get("X-Signature-Ed25519"), stamp, msg, time.Now()); why != "" {
		b.refuse(w, r, http.StatusUnauthorized, why)
		return
	}
	i := new(discordgo.Interaction)
	// Its UnmarshalJSON checks the JSON as json.Unmarshal would: calling it
	// directly saves json.Unmarshal's own pass over the whole body first.
	if err := i.UnmarshalJSON(body); err != nil {
		b.refuse(w, r, http.StatusBadRequest, "invalid JSON")
		return
	}
	if i.Type != discordgo.InteractionPing && !b.replays.first(i.ID, time.Now()) {
		// A signed request seen before: someone who captured it is
		// sending it again within the timestamp window.
		b.refuse(w, r, http.StatusUnauthorized, "replayed interaction")
		return
	}
	if i.Type == discordgo.InteractionPing {
		writeBody(w, "application/json", []byte(`{"type":1}`))
		return
	}
	s, ok := b.beginHTTP()
	if !ok {
		b.refuse(w, r, http.StatusServiceUnavailable, "not running")
		return
	}

	hr := &httpReplier{
		sessionReplier: sessionReplier{s},
		first:          make(chan *discordgo.InteractionResponse),
		written:        make(chan error, 1),
		gone:           make(chan struct{}),
	}
	defer close(hr.gone)
	done := make(chan struct{})
	go func() {
		defer b.wg.Done()
		defer close(done)
		b.handle(hr, i)
	}()
	t := time.NewTimer(firstResponseWait)
	defer t.Stop()
	select {
	case resp := <-hr.first:
		hr.written <- writeResponse(w, resp)
	case <-done:
		// Any Respond would have been taken above before the handler returned.
		b.log.Warn("interaction not answered", "type", int(i.Type), "guild", i.GuildID)
		http.Error(w, "interaction not answered", http.StatusInternalServerError)
	case <-t.C:
		b.log.Warn("interaction: no response in time", "type", int(i.Type), "guild", i.GuildID, "after", firstResponseWait)
		http.Error(w, "no response in time", http.StatusInternalServerError)
	case <-r.Context().Done():
		// The client went away; the handler's Respond will say so.
	}
}

// refuse answers a request that is not taken.
func (b *Bot) refuse(w http.ResponseWriter, r *http.Request, status int, why string) {
	b.log.Debug("interaction request refused", "status", status, "reason", why, "remote", r.RemoteAddr)
	http.Error(w, http.StatusText(status), status)
}

// checkSignature returns why a request is not signed by Discord for this
// application, or "" when it is: sigHex and stamp are its
// X-Signature-Ed25519 and X-Signature-Timestamp headers, msg is stamp
// followed by the body.
func (b *Bot) checkSignature(sigHex, stamp string, msg []byte, now time.Time) string {
	key := b.cfg.PublicKey
	if len(key) != ed25519.PublicKeySize {
		return "no public key configured (DISCORD_PUBLIC_KEY)"
	}
	if sigHex == "" || stamp == "" {
		return "missing signature headers"
	}
	var sig [ed25519.SignatureSize]byte
	if len(sigHex) != 2*len(sig) {
		return "malformed signature"
	}
	if _, err := hex.Decode(sig[:], []byte(sigHex)); err != nil {
		return "malformed signature"
	}
	sec, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return "malformed timestamp"
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxSignatureAge || d < -maxSignatureAge {
		return "timestamp too far from now"
	}
	if !ed25519.Verify(key, msg, sig[:]) {
		return "wrong signature"
	}
	return ""
}

// readBody reads r after prefix into one buffer, sized from the request's
// Content-Length when it has one (-1 when not). The size is trusted only up
// to maxBodyHint, so that a request claiming a large body cannot make the
// bot allocate for it before sending it.
func readBody(r io.Reader, prefix string, contentLength int64) ([]byte, error) {
	size := int64(512)
	if contentLength >= 0 {
		size = min(contentLength, maxBodyHint) + 1 // +1: reads EOF without growing
	}
	buf := make([]byte, len(prefix), int64(len(prefix))+size)
	copy(buf, prefix)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// beginHTTP registers an interaction in flight and returns the REST
// session; false before Run has one and once shutting down.
func (b *Bot) beginHTTP() (*discordgo.Session, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closing || b.session == nil {
		return nil, false
	}
	b.wg.Add(1)
	return b.session, true
}

// writeResponse writes an interaction response as the HTTP response, and
// flushes it so that Discord has it before any later call about it.
func writeResponse(w http.ResponseWriter, resp *discordgo.InteractionResponse) error {
	var ct string
	var body []byte
	var err error
	if resp.Data != nil && len(resp.Data.Files) > 0 {
		ct, body, err = discordgo.MultipartBodyWithJSON(resp, resp.Data.Files)
	} else {
		ct = "application/json"
		buf := jsonBufs.Get().(*bytes.Buffer)
		defer jsonBufs.Put(buf)
		buf.Reset()
		// As json.Marshal, without copying the result out of the encoder.
		if err = json.NewEncoder(buf).Encode(resp); err == nil {
			body = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		}
	}
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return fmt.Errorf("encode response: %w", err)
	}
	return writeBody(w, ct, body)
}

// jsonBufs are buffers for encoding responses; they are written out before
// being put back.
var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func writeBody(w http.ResponseWriter, contentType string, body []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := http.NewResponseController(w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// httpReplier answers an interaction that came over HTTP: the first
// Respond is handed to the request's goroutine, which writes it as the HTTP
// response; everything else goes through the REST API.
type httpReplier struct {
	sessionReplier // everything after the first response
	claimed        atomic.Bool
	first          chan *discordgo.InteractionResponse // taken by the request's goroutine
	written        chan error                          // what writing the first response came to
	gone           chan struct{}                       // closed when the request's goroutine stops waiting
}

func (h *httpReplier) Respond(i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	if !h.claimed.CompareAndSwap(false, true) {
		return h.sessionReplier.Respond(i, resp) // Discord refuses a second response, as over the gateway
	}
	select {
	case h.first <- resp:
		return <-h.written
	case <-h.gone:
		return errRequestOver
	}
}

// seenIDs remembers the interaction ids of the last maxSignatureAge and a
// bit, so that a signed request is answered once: its timestamp keeps it
// valid for minutes. Bounded: past maxSeen ids the oldest are forgotten
// (Discord sends each interaction once; a flood of fresh ones is no replay).
type seenIDs struct {
	mu    sync.Mutex
	at    map[string]time.Time
	order []string
}

const maxSeen = 100000

// first records id as seen at now and reports whether it was new.
func (s *seenIDs) first(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at == nil {
		s.at = map[string]time.Time{}
	}
	for len(s.order) > 0 {
		old := s.order[0]
		if len(s.order) < maxSeen && now.Sub(s.at[old]) <= 2*maxSignatureAge {
			break
		}
		delete(s.at, old)
		s.order = s.order[1:]
	}
	if _, ok := s.at[id]; ok {
		return false
	}
	s.at[id] = now
	s.order = append(s.order, id)
	return true
}
