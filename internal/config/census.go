package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tradepipe/tradepipe/internal/reference"
)

// CensusOptions are the options of a census job.
type CensusOptions struct {
	Flow string `yaml:"flow"` // export or import
	// Partner is one Schedule C code (5700 is China, the default);
	// Partners a list of them, or all. At most one of the two is given.
	Partner  string   `yaml:"partner"`
	Partners Partners `yaml:"partners"`
	Level    string   `yaml:"level"` // HS2, HS4, HS6 or HS10
	// HS10Detail are HS prefixes also fetched at HS10 (e.g. 2710, 2711: the
	// energy lines Annex 6.1 defines below HS6).
	HS10Detail  []string `yaml:"hs10_detail"`
	APIKeyEnv   string   `yaml:"api_key_env"` // env var holding the API key
	BaseURL     string   `yaml:"base_url"`    // default: the Census API
	Inbox       string   `yaml:"inbox"`       // read saved responses here instead of the API
	Timeout     Duration `yaml:"timeout"`     // per request
	MaxAttempts int      `yaml:"max_attempts"`
}

// Partners is the partners option: a list of Schedule C codes
// (["5700", "5820"]) or the word all (every partner, one request a month).
type Partners struct {
	All   bool
	Codes []string
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (p *Partners) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if n.Value != "all" {
			return fmt.Errorf("%q is not all or a list of Schedule C codes", n.Value)
		}
		p.All = true
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("is not all or a list of Schedule C codes")
	}
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return fmt.Errorf("is not all or a list of Schedule C codes")
		}
		p.Codes = append(p.Codes, c.Value)
	}
	return nil
}

func (p Partners) given() bool { return p.All || len(p.Codes) > 0 }

// Writes implements Writer.
func (o *CensusOptions) Writes() string { return "trade_flows/source=census/flow=" + o.Flow }

// Covers implements PartnerWriter: the ISO codes of the job's partners,
// nil for all.
func (o *CensusOptions) Covers() []string {
	if o.Partners.All {
		return nil
	}
	codes := o.Partners.Codes
	if !o.Partners.given() {
		codes = []string{o.Partner}
	}
	out := []string{} // not nil: nil is every partner
	for _, c := range codes {
		if country, ok := reference.ScheduleC(c); ok {
			out = append(out, country.ISO2)
		}
	}
	return out
}

func decodeCensus(j *Job, path string) (any, Problems) {
	o := &CensusOptions{Level: "HS6"}
	ps := decodeNode(&j.Options, o, path)
	if o.Flow != "export" && o.Flow != "import" {
		ps = append(ps, Problem{Path: path + ".flow", Msg: fmt.Sprintf("%q is not export or import", o.Flow)})
	}
	switch {
	case o.Partner != "" && o.Partners.given():
		ps = append(ps, Problem{Path: path + ".partners", Msg: "give partner or partners, not both"})
	case o.Partner == "" && !o.Partners.given():
		o.Partner = "5700"
	}
	if o.Partner != "" {
		if _, ok := reference.ScheduleC(o.Partner); !ok {
			ps = append(ps, Problem{Path: path + ".partner", Msg: fmt.Sprintf("%q is not a Schedule C country code (5700 is China)", o.Partner)})
		}
	}
	seen := map[string]bool{}
	for i, c := range o.Partners.Codes {
		at := fmt.Sprintf("%s.partners[%d]", path, i)
		switch _, ok := reference.ScheduleC(c); {
		case !ok:
			ps = append(ps, Problem{Path: at, Msg: fmt.Sprintf("%q is not a Schedule C country code (groupings such as 0003 are not partners; use partners: all)", c)})
		case seen[c]:
			ps = append(ps, Problem{Path: at, Msg: fmt.Sprintf("%q is listed twice", c)})
		}
		seen[c] = true
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
