package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tradepipe/tradepipe/internal/reference"
)

// CensusOptions are the options of a census job.
type CensusOptions struct {
	Flow    string `yaml:"flow"`    // export or import
	Partner string `yaml:"partner"` // Schedule C code; 5700 is China
	Level   string `yaml:"level"`   // HS2, HS4, HS6 or HS10
	// HS10Detail are HS prefixes also fetched at HS10 (e.g. 2710, 2711: the
	// energy lines Annex 6.1 defines below HS6).
	HS10Detail  []string `yaml:"hs10_detail"`
	APIKeyEnv   string   `yaml:"api_key_env"` // env var holding the API key
	BaseURL     string   `yaml:"base_url"`    // default: the Census API
	Inbox       string   `yaml:"inbox"`       // read saved responses here instead of the API
	Timeout     Duration `yaml:"timeout"`     // per request
	MaxAttempts int      `yaml:"max_attempts"`
}

// Writes implements Writer.
func (o *CensusOptions) Writes() string { return "trade_flows/source=census/flow=" + o.Flow }

func decodeCensus(j *Job, path string) (any, Problems) {
	o := &CensusOptions{Level: "HS6", Partner: "5700"}
	ps := decodeNode(&j.Options, o, path)
	if o.Flow != "export" && o.Flow != "import" {
		ps = append(ps, Problem{Path: path + ".flow", Msg: fmt.Sprintf("%q is not export or import", o.Flow)})
	}
	if _, ok := reference.ScheduleC(o.Partner); !ok {
		ps = append(ps, Problem{Path: path + ".partner", Msg: fmt.Sprintf("%q is not a Schedule C country code (5700 is China)", o.Partner)})
	}
	for i, p := range o.HS10Detail {
		if len(p) < 2 || len(p) > 8 || strings.Trim(p, "0123456789") != "" {
			ps = append(ps, Problem{Path: fmt.Sprintf("%s.hs10_detail[%d]", path, i), Msg: fmt.Sprintf("%q is not an HS prefix of 2–8 digits", p)})
		}
	}
	if !slices.Contains([]string{"HS2", "HS4", "HS6", "HS10"}, o.Level) {
		ps = append(ps, Problem{Path: path + ".level", Msg: fmt.Sprintf("%q is not HS2, HS4, HS6 or HS10", o.Level)})
	}
	if o.MaxAttempts < 0 {
		ps = append(ps, Problem{Path: path + ".max_attempts", Msg: "must be 0 (default) or more"})
	}
	ps = append(ps, checkEnvName(path+".api_key_env", o.APIKeyEnv)...)
	ps = append(ps, checkBaseURL(path+".base_url", o.BaseURL)...)
	ps = append(ps, checkURL(path+".inbox", o.Inbox)...)
	if j.Window == 0 {
		j.Window = 3
	}
	return o, ps
}
