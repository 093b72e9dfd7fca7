package httpget

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/sources"
)

// Issue 12: an upstream error body that echoes the request URL put the
// Census API key into 42 log lines, the summary and every ledger file.
func TestErrorBodyWithoutSecrets(t *testing.T) {
	const key = "c3nsus-k3y-0123456789"
	for _, status := range []int{400, 503} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, _ := url.QueryUnescape(r.URL.RawQuery)
			http.Error(w, "error: unknown variable in request "+r.URL.Path+"?"+u+" (key "+r.URL.Query().Get("key")+")", status)
		}))
		_, _, err := Get(t.Context(), ts.Client(), Request{URL: ts.URL + "/data?get=X&time=2020-01&key=" + key, MaxBody: 1 << 20, Now: time.Now})
		ts.Close()
		if err == nil {
			t.Fatalf("HTTP %d: no error", status)
		}
		if strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "unknown variable") || !strings.Contains(err.Error(), "time=2020-01") {
			t.Errorf("HTTP %d: %v", status, err)
		}
		if status == 400 && !errors.Is(err, sources.ErrPermanent) {
			t.Errorf("400 not permanent: %v", err)
		}
	}
}
