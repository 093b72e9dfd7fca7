package config

import "testing"

// FuzzConfig loads arbitrary YAML as a config and validates it: errors
// are fine, panics are not.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("lake: file://./lake\njobs:\n  g:\n    source: gacc\n    schedule: \"0 3 * * *\"\n    options: {inbox: file://../../etc}\n"))
	f.Add([]byte("lake: s3://b/p\nserver: {listen: 127.0.0.1:8080, token_env: T}\njobs:\n  c:\n    source: census\n    window: 3\n    options: {flow: export, partner: \"5700\", api_key_env: K}\n  x:\n    source: compliance\n    after: [c]\n"))
	f.Add([]byte("a: &a [*a]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		_ = c.Validate()
	})
}
