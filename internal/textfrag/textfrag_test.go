package textfrag

import (
	"net/url"
	"strings"
	"testing"
)

func TestLink(t *testing.T) {
	const page = "https://www.spcis.org/post/china-latin-america"
	tests := []struct {
		name, page, text, want string
	}{
		{"short question whole", page, "Who pays?", page + "#:~:text=Who%20pays%3F"},
		{"long question start and end", page,
			"How do you assess the processes of technology transfer between China and Latin America?",
			page + "#:~:text=How%20do%20you%20assess%20the%20processes,China%20and%20Latin%20America%3F"},
		{"reserved characters encoded", page, "State-to-State, pros & cons", page + "#:~:text=State%2Dto%2DState%2C%20pros%20%26%20cons"},
		{"accents as UTF-8", page, "¿Qué pasó en Neuquén?", page + "#:~:text=%C2%BFQu%C3%A9%20pas%C3%B3%20en%20Neuqu%C3%A9n%3F"},
		{"old fragment replaced", page + "#comments", "Why?", page + "#:~:text=Why%3F"},
		{"query kept", page + "?lang=en", "Why?", page + "?lang=en#:~:text=Why%3F"},
		{"whitespace collapsed", page, "  Why\n\tnot? ", page + "#:~:text=Why%20not%3F"},
		{"no words", page, "   ", page},
		{"not a web page", "file:///etc/passwd", "Why?", "file:///etc/passwd"},
		{"relative", "/docs/x", "Why?", "/docs/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Link(tt.page, tt.text); got != tt.want {
				t.Errorf("Link(%q, %q)\n got %s\nwant %s", tt.page, tt.text, got, tt.want)
			}
		})
	}
}

// The directive must decode back to the words it selects.
func TestEncodeRoundTrip(t *testing.T) {
	for _, s := range []string{"a-b,c&d", "“quoted” — dash", "50% of 5G", "tab\tand\nnewline", "emoji 🙂"} {
		enc := Encode(s)
		if strings.ContainsAny(enc, "-,& #\t\n") {
			t.Errorf("Encode(%q) = %q keeps a reserved character", s, enc)
		}
		dec, err := url.PathUnescape(enc)
		if err != nil || dec != s {
			t.Errorf("Encode(%q) = %q decodes to %q, %v", s, enc, dec, err)
		}
	}
}
