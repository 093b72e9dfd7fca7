package server

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// recorder is a minimal http.ResponseWriter for calling the handler
// directly from many goroutines.
type recorder struct {
	hdr  http.Header
	code int
	body bytes.Buffer
}

func newRecorder() *recorder { return &recorder{hdr: http.Header{}, code: 200} }

func (r *recorder) Header() http.Header         { return r.hdr }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

func (r *recorder) id() string {
	var m struct{ ID string }
	_ = json.Unmarshal(r.body.Bytes(), &m)
	return m.ID
}
