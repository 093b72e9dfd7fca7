package config

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
)

// GACCOptions are the options of a gacc job (China customs).
type GACCOptions struct {
	// Flow of detail tables without a flow column: import (default) or
	// export.
	Flow string `yaml:"flow"`
	// Inbox is where operators drop downloaded detail tables (csv, xlsx)
	// and saved release pages (html).
	Inbox string `yaml:"inbox"`
	// BaseURL is a release page to poll; {year} and {month} (two digits)
	// are replaced by the month fetched. Used when there is no inbox.
	BaseURL     string   `yaml:"base_url"`
	Timeout     Duration `yaml:"timeout"` // per request
	MaxAttempts int      `yaml:"max_attempts"`
	// ReconcileTolerance is the relative difference between a month's HS
	// rows and the published country total accepted without a warning,
	// as a decimal ("0.005" is 0.5%); empty means the pipeline default.
	ReconcileTolerance string `yaml:"reconcile_tolerance"`
	// RMBPerUSD is a monthly rate table, "YYYY-MM": yuan per US dollar,
	// that lets downloads valued in 人民币 be read (converted at the rate of
	// each row's month); without it they are refused.
	RMBPerUSD map[string]Decimal `yaml:"rmb_per_usd"`
}

// Writes implements Writer.
func (o *GACCOptions) Writes() string { return "trade_flows/source=gacc/flow=" + o.Flow }

func decodeGACC(j *Job, path string) (any, Problems) {
	o := &GACCOptions{Flow: "import"}
	ps := decodeNode(&j.Options, o, path)
	if o.Flow != "export" && o.Flow != "import" {
		ps = append(ps, Problem{Path: path + ".flow", Msg: fmt.Sprintf("%q is not import or export", o.Flow)})
	}
	if o.Inbox == "" && o.BaseURL == "" {
		ps = append(ps, Problem{Path: path, Msg: "needs an inbox or a base_url"})
	}
	if o.MaxAttempts < 0 {
		ps = append(ps, Problem{Path: path + ".max_attempts", Msg: "must be 0 (default) or more"})
	}
	if o.Timeout < 0 {
		ps = append(ps, Problem{Path: path + ".timeout", Msg: "must be 0 (default) or more"})
	}
	for k, v := range o.RMBPerUSD {
		if _, err := civil.ParseMonth(k); err != nil {
			ps = append(ps, Problem{Path: path + ".rmb_per_usd." + k, Msg: "key is not a month YYYY-MM"})
		}
		if v.Negative || v.IsZero() {
			ps = append(ps, Problem{Path: path + ".rmb_per_usd." + k, Msg: "rate must be positive"})
		}
	}
	if o.ReconcileTolerance != "" {
		if d, err := money.Parse(o.ReconcileTolerance); err != nil || d.Negative || d.Cmp(apd.New(1, 0)) > 0 {
			ps = append(ps, Problem{Path: path + ".reconcile_tolerance", Msg: fmt.Sprintf("%q is not a decimal between 0 and 1 (0.005 is 0.5%%)", o.ReconcileTolerance)})
		}
	}
	ps = append(ps, checkBaseURL(path+".base_url", o.BaseURL)...)
	ps = append(ps, checkURL(path+".inbox", o.Inbox)...)
	if j.Window == 0 {
		j.Window = 2
	}
	return o, ps
}
