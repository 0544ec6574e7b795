package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/verbatimbot/verbatim/internal/config"
	"github.com/verbatimbot/verbatim/internal/library"
)

const (
	fetchTime    = 20 * time.Second
	maxRedirects = 3
)

// attachmentHosts serve the files users attach to commands.
var attachmentHosts = map[string]bool{"cdn.discordapp.com": true, "media.discordapp.net": true}

// attachmentURLAllowed reports whether the bot may download u: https from
// one of Discord's attachment hosts, or from the configured Discord base URL
// when it is not Discord's (a stand-in serves attachments itself). Nothing
// else: the URL comes from a payload, and the bot must not be made to
// fetch from anywhere a payload says.
func (b *Bot) attachmentURLAllowed(u *url.URL) bool {
	if u == nil || u.User != nil || u.Opaque != "" {
		return false
	}
	if u.Scheme == "https" && attachmentHosts[strings.ToLower(u.Hostname())] && (u.Port() == "" || u.Port() == "443") {
		return true
	}
	if b.cfg.BaseURL == "" || b.cfg.BaseURL == config.DefaultBaseURL {
		return false
	}
	base, err := url.Parse(b.cfg.BaseURL)
	if err != nil || base.User != nil || base.Host == "" {
		return false
	}
	return u.Scheme == base.Scheme && strings.EqualFold(u.Host, base.Host)
}

// checkAttachment vets an attachment before anything is downloaded: its URL
// and its declared size. It returns the user's text when it is refused.
func (b *Bot) checkAttachment(a *discordgo.MessageAttachment) (string, bool) {
	u, err := url.Parse(a.URL)
	if err != nil || !b.attachmentURLAllowed(u) {
		return "I only download attachments from Discord, and that file is not on Discord's attachment servers: attach the file to the command itself.", false
	}
	if a.Size > library.MaxUploadBytes {
		return tooLarge(a.Size), false
	}
	return "", true
}

func tooLarge(n int) string {
	if n > 0 {
		return fmt.Sprintf("The file is too large (%s): at most %s, please.", sizeText(n), sizeText(library.MaxUploadBytes))
	}
	return fmt.Sprintf("The file is too large: at most %s, please.", sizeText(library.MaxUploadBytes))
}

// fetchAttachment downloads a checked attachment: at most MaxUploadBytes,
// within fetchTime, following redirects only to allowed URLs. Problems the
// user can act on are *library.Error; other errors are failed downloads.
func (b *Bot) fetchAttachment(ctx context.Context, a *discordgo.MessageAttachment) ([]byte, error) {
	if text, ok := b.checkAttachment(a); !ok {
		return nil, &library.Error{Kind: library.Invalid, Msg: text}
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTime)
	defer cancel()
	var rt http.RoundTripper = http.DefaultTransport
	b.mu.Lock()
	s := b.session
	b.mu.Unlock()
	if s != nil && s.Client != nil && s.Client.Transport != nil {
		rt = s.Client.Transport // the bot's connection pool and proxy settings
	}
	client := &http.Client{
		Transport: rt,
		Timeout:   fetchTime,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return errors.New("too many redirects")
			}
			if !b.attachmentURLAllowed(req.URL) {
				return fmt.Errorf("redirect to %s refused", req.URL.Redacted())
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("attachment request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL's query signs it: whoever has it can fetch the private
		// upload until it expires. Errors quoting it are logged without.
		return nil, redact(fmt.Errorf("download attachment: %w", err), req.URL.RawQuery)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download attachment: HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > library.MaxUploadBytes {
		return nil, &library.Error{Kind: library.TooLarge, Msg: tooLarge(int(resp.ContentLength))}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, library.MaxUploadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("download attachment: %w", err)
	}
	if len(data) > library.MaxUploadBytes {
		return nil, &library.Error{Kind: library.TooLarge, Msg: tooLarge(0)}
	}
	return data, nil
}
