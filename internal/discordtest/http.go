package discordtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// An application with an Interactions Endpoint URL gets its interactions as signed HTTP POSTs
// instead of over the gateway, and answers the first one in the HTTP response. InteractHTTP
// plays Discord's side of that; the rest of the Server (webhook edits and follow-ups,
// WaitResponse, WaitEdit…) treats such an interaction like one dispatched over the gateway.

// InteractionPing is the PING interaction Discord sends to check an endpoint; ResponsePong
// is the only answer it accepts.
const (
	InteractionPing = 1
	ResponsePong    = 1
)

// Ping is the PING interaction.
func Ping() Interaction { return Interaction{Type: InteractionPing} }

// StatusError is returned by InteractHTTP when the endpoint answers other than 200.
type StatusError struct {
	Code int
	Body string // at most 1 KiB of it
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("discordtest: interactions endpoint answered %d %s", e.Code, e.Body)
}

// Sign returns the hex Ed25519 signature Discord sends in X-Signature-Ed25519: of the
// timestamp (X-Signature-Timestamp) followed by the raw body.
func Sign(key ed25519.PrivateKey, timestamp string, body []byte) string {
	msg := make([]byte, 0, len(timestamp)+len(body))
	msg = append(append(msg, timestamp...), body...)
	return hex.EncodeToString(ed25519.Sign(key, msg))
}

// NewSignedRequest returns a POST of body to endpoint signed with key as of ts, with the
// headers Discord sends.
func NewSignedRequest(ctx context.Context, endpoint string, key ed25519.PrivateKey, ts time.Time, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", Sign(key, stamp, body))
	return req, nil
}

// HTTPInteraction builds in as Discord would POST it to an interactions endpoint and
// registers it as sent now (the acknowledgement deadline runs from here), so a test can sign
// and send it, or a variant of it, itself. It returns the interaction id and the JSON body.
// Commands must be registered, as for Interact.
func (s *Server) HTTPInteraction(in Interaction) (string, []byte, error) {
	st, body, err := s.buildHTTP(in)
	if err != nil {
		return "", nil, err
	}
	if st != nil {
		s.register(st, false)
	}
	return idOf(st, body), body, nil
}

// InteractHTTP POSTs in to an interactions endpoint (a bot's InteractionsHandler) signed
// with key, as Discord does, and reads the HTTP response as the interaction's callback:
// checked by the same rules as a REST callback and recorded, so that WaitResponse, Original,
// component clicks On it, and webhook edits and follow-ups work as after Interact. Webhook
// requests for the interaction that arrive before its HTTP response has been read wait for
// it, as Discord has the response once it is on the wire. It returns the interaction id and
// the callback (for a Ping, a Response of type ResponsePong, and no id). An endpoint that
// answers other than 200 gets a *StatusError; one whose answer breaks the rules an error
// naming them.
func (s *Server) InteractHTTP(ctx context.Context, endpoint string, key ed25519.PrivateKey, in Interaction) (string, Response, error) {
	p, err := s.PrepareHTTP(endpoint, key, in)
	if err != nil {
		return "", Response{}, err
	}
	return s.SendHTTP(ctx, p)
}

// SignedInteraction is an interaction built and signed for an interactions endpoint but not
// sent yet: see PrepareHTTP.
type SignedInteraction struct {
	st       *interaction // nil for a PING
	endpoint string
	body     []byte
	header   http.Header
	sent     atomic.Bool
}

// PrepareHTTP builds in as Discord would POST it to endpoint and signs it with key as of
// now, without sending it or registering it: SendHTTP does that. A load test prepares its
// requests before its clock starts, so that what it times is the endpoint's work rather
// than its own (Discord builds and signs its requests on its own machines). The signature's
// timestamp is now: send within the endpoint's replay window (Discord's is 5 minutes).
// Commands must be registered, as for Interact.
func (s *Server) PrepareHTTP(endpoint string, key ed25519.PrivateKey, in Interaction) (*SignedInteraction, error) {
	st, body, err := s.buildHTTP(in)
	if err != nil {
		return nil, err
	}
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	h.Set("X-Signature-Timestamp", stamp)
	h.Set("X-Signature-Ed25519", Sign(key, stamp, body))
	return &SignedInteraction{st: st, endpoint: endpoint, body: body, header: h}, nil
}

// SendHTTP sends an interaction made with PrepareHTTP, once, and reads the response as
// InteractHTTP does; the interaction counts as sent (the acknowledgement deadline runs) from
// here.
func (s *Server) SendHTTP(ctx context.Context, p *SignedInteraction) (string, Response, error) {
	if p.sent.Swap(true) {
		return "", Response{}, errors.New("discordtest: SignedInteraction sent twice")
	}
	st := p.st
	ctx, cancel := context.WithTimeout(ctx, s.opts.AckDeadline+2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(p.body))
	if err != nil {
		return "", Response{}, err
	}
	req.Header = p.header
	if st != nil {
		s.register(st, true)
		defer func() {
			s.mu.Lock()
			st.httpPending = false
			s.notifyLocked()
			s.mu.Unlock()
		}()
	}
	sent := time.Now()
	resp, err := endpointClient.Do(req)
	if err != nil {
		return "", Response{}, fmt.Errorf("discordtest: POST %s: %w", p.endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxRequestBody))
	if err != nil {
		return "", Response{}, fmt.Errorf("discordtest: read the endpoint's response: %w", err)
	}
	received := time.Now()
	if resp.StatusCode != http.StatusOK {
		return "", Response{}, &StatusError{Code: resp.StatusCode, Body: string(raw[:min(len(raw), 1024)])}
	}
	payload, files, e := parseBody(&request{Request: &http.Request{Header: resp.Header}, body: raw})
	if e != nil {
		return "", Response{}, fmt.Errorf("discordtest: endpoint's response (Content-Type %q): %w", resp.Header.Get("Content-Type"), e)
	}
	var cb struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(payload, &cb); err != nil {
		return "", Response{}, fmt.Errorf("discordtest: endpoint's response %s: %w", payload, err)
	}
	if st == nil { // PING
		if cb.Type != ResponsePong {
			return "", Response{}, fmt.Errorf("discordtest: PING answered with type %d, want %d", cb.Type, ResponsePong)
		}
		return "", Response{Type: ResponsePong, Received: received, Latency: received.Sub(sent)}, nil
	}
	r, e := s.acceptCallback(st, cb.Type, cb.Data, files, received)
	if e != nil {
		return st.id, Response{}, fmt.Errorf("discordtest: endpoint's response %s refused: %w", payload, e)
	}
	return st.id, r, nil
}

// endpointClient keeps connections to endpoints alive, as Discord does.
var endpointClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, IdleConnTimeout: 5 * time.Second}}

// buildHTTP makes an interaction's endpoint body; st is nil for a PING.
func (s *Server) buildHTTP(in Interaction) (*interaction, []byte, error) {
	if in.Type == InteractionPing {
		id := s.snowflake()
		body, err := json.Marshal(map[string]any{
			"id": id, "application_id": s.opts.AppID, "type": InteractionPing, "version": 1,
			"token": base64.RawURLEncoding.EncodeToString([]byte("ping:" + id + ":" + newSessionID())),
			"user":  userJSON("643945264868098049", "discord", false),
		})
		return nil, body, err
	}
	s.mu.Lock()
	st, payload, err := s.buildInteraction(in)
	s.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(payload)
	return st, body, err
}

// register records st as sent now.
func (s *Server) register(st *interaction, pending bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st.dispatched = time.Now()
	st.httpPending = pending
	s.interactions[st.id] = st
	s.byToken[st.token] = st
	s.notifyLocked()
}

func idOf(st *interaction, body []byte) string {
	if st != nil {
		return st.id
	}
	var p struct {
		ID string `json:"id"`
	}
	json.Unmarshal(body, &p)
	return p.ID
}

// awaitHTTPResponse waits, bounded by the acknowledgement deadline, while the interaction
// with this webhook token has its HTTP response on the way.
func (s *Server) awaitHTTPResponse(ctx context.Context, token string) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.AckDeadline)
	defer cancel()
	_ = s.wait(ctx, func() bool {
		st := s.byToken[token]
		return st == nil || !st.httpPending
	})
}
