package config

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/cockroachdb/apd/v3"
	"go.yaml.in/yaml/v3"
)

// ComplianceOptions are the options of a compliance job (the Phase One
// metrics computed from the lake's trade_flows; compliance).
type ComplianceOptions struct {
	// Baseline is lake (default: 2017 from the lake, same classifier),
	// piie_original or piie_revised (PIIE's published figures).
	Baseline string `yaml:"baseline"`
	// Proration is linear (default: months/12) or seasonal (2017 shares).
	Proration string `yaml:"proration"`
	// Definition is the product set: original (Annex 6.1 as printed) or
	// revised (plus Census 880000, aircraft); default: original for
	// baseline piie_original, revised otherwise.
	Definition string `yaml:"definition"`
	// Bases are us_exports and/or cn_imports; default both.
	Bases []string `yaml:"bases"`
	// Synthetic lists bases whose lake data are synthetic samples (the
	// quick start's GACC files), so reports say so.
	Synthetic []string `yaml:"synthetic"`
	// ExcludeRegimes are customs regimes (GACC 贸易方式, as the downloads
	// name them) left out of the purchases, e.g. bonded logistics.
	ExcludeRegimes []string `yaml:"exclude_regimes"`
	// Services are annual (BEA) and not in the lake.
	Services ComplianceServices `yaml:"services"`
}

// ComplianceServices give the annual services purchases, in USD billions.
type ComplianceServices struct {
	// Baseline2017 is the 2017 services baseline; default 56.1 (PIIE's
	// final assessment).
	Baseline2017 *Decimal `yaml:"baseline_2017_usd_bn"`
	// ByYear maps 2020 and/or 2021 to the year's services purchases.
	ByYear map[int]Decimal `yaml:"usd_bn"`
}

// Writes implements Writer.
func (o *ComplianceOptions) Writes() string { return "compliance" }

// Decimal is an exact decimal written as a YAML number or string (46.1),
// read from its text, never through a float.
type Decimal struct{ apd.Decimal }

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Decimal) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a number, not a %s", n.Tag)
	}
	if _, _, err := d.SetString(n.Value); err != nil || d.Form != apd.Finite {
		return fmt.Errorf("%q is not a decimal number", n.Value)
	}
	return nil
}

func decodeCompliance(j *Job, path string) (any, Problems) {
	o := &ComplianceOptions{Baseline: "lake", Proration: "linear"}
	ps := decodeNode(&j.Options, o, path)
	if !slices.Contains([]string{"lake", "piie_original", "piie_revised"}, o.Baseline) {
		ps = append(ps, Problem{Path: path + ".baseline", Msg: fmt.Sprintf("%q is not lake, piie_original or piie_revised", o.Baseline)})
	}
	if o.Definition != "" && o.Definition != "original" && o.Definition != "revised" {
		ps = append(ps, Problem{Path: path + ".definition", Msg: fmt.Sprintf("%q is not original or revised", o.Definition)})
	}
	if o.Proration != "linear" && o.Proration != "seasonal" {
		ps = append(ps, Problem{Path: path + ".proration", Msg: fmt.Sprintf("%q is not linear or seasonal", o.Proration)})
	}
	if len(o.Bases) == 0 {
		o.Bases = []string{"us_exports", "cn_imports"}
	}
	for i, b := range o.Bases {
		if b != "us_exports" && b != "cn_imports" {
			ps = append(ps, Problem{Path: fmt.Sprintf("%s.bases[%d]", path, i), Msg: fmt.Sprintf("%q is not us_exports or cn_imports", b)})
		} else if slices.Index(o.Bases, b) != i {
			ps = append(ps, Problem{Path: fmt.Sprintf("%s.bases[%d]", path, i), Msg: fmt.Sprintf("%q listed twice", b)})
		}
	}
	for i, b := range o.Synthetic {
		if b != "us_exports" && b != "cn_imports" {
			ps = append(ps, Problem{Path: fmt.Sprintf("%s.synthetic[%d]", path, i), Msg: fmt.Sprintf("%q is not us_exports or cn_imports", b)})
		}
	}
	if o.Services.Baseline2017 == nil {
		o.Services.Baseline2017 = &Decimal{*apd.New(561, -1)}
	}
	if o.Services.Baseline2017.Negative {
		ps = append(ps, Problem{Path: path + ".services.baseline_2017_usd_bn", Msg: "must not be negative"})
	}
	years := make([]int, 0, len(o.Services.ByYear))
	for y := range o.Services.ByYear {
		years = append(years, y)
	}
	slices.Sort(years)
	for _, y := range years {
		p := path + ".services.usd_bn." + strconv.Itoa(y)
		if y != 2020 && y != 2021 {
			ps = append(ps, Problem{Path: p, Msg: "Phase One covers 2020 and 2021 only"})
		}
		if v := o.Services.ByYear[y]; v.Negative {
			ps = append(ps, Problem{Path: p, Msg: "must not be negative"})
		}
	}
	return o, ps
}
