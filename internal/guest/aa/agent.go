package aa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cocoon-cc/cocoon/internal/guest/attester"
	"github.com/cocoon-cc/cocoon/internal/guest/eventlog"
	"github.com/cocoon-cc/cocoon/protocol/kbs"
)

// Options configure New.
type Options struct {
	// Config is aa.toml; nil means DefaultConfig.
	Config *Config
	// Registry detects the TEE; nil means attester.Default. Ignored when
	// Primary is set.
	Registry *attester.Registry
	// Primary and Devices replace detection, for tests and embedding.
	Primary attester.Attester
	Devices []attester.Attester
	// InitData is bound to the TEE at start-up.
	InitData InitData
	// EventLog locates the AAEL files; its InitPCR is taken from Config.
	EventLog eventlog.Config
	Logger   *slog.Logger
}

// Agent is the attestation-agent: it detects the TEE, binds init-data,
// keeps the runtime event log and obtains tokens.
type Agent struct {
	cfg      *Config
	primary  attester.Attester
	devices  []attester.Attester
	events   *eventlog.Log // nil unless enabled and supported
	initData []byte        // init-data TOML sent with every KBS attestation
	kbs      *kbsTokens    // nil unless [token_configs.kbs]
	logger   *slog.Logger
}

// New starts an agent as upstream's binary does: detect the TEE and the
// additional devices, bind the init-data (a mismatch is fatal), then open
// the event log if it is enabled.
func New(ctx context.Context, opts Options) (*Agent, error) {
	a := &Agent{cfg: opts.Config, logger: opts.Logger, primary: opts.Primary, devices: opts.Devices}
	if a.cfg == nil {
		a.cfg = DefaultConfig()
	}
	if a.logger == nil {
		a.logger = slog.New(slog.DiscardHandler)
	}
	if err := a.detect(opts.Registry); err != nil {
		return nil, err
	}
	a.logger.InfoContext(ctx, "attesters detected", "tee", string(a.primary.Tee()), "additional_tees", a.AdditionalTees())
	initData, err := bindInitData(ctx, a.primary, opts.InitData, a.logger)
	if err != nil {
		return nil, err
	}
	a.initData = initData
	if err := a.openEventLog(ctx, opts.EventLog); err != nil {
		return nil, err
	}
	if k := a.cfg.TokenConfigs.KBS; k != nil {
		a.kbs = newKBSTokens(*k, evidenceProvider{a}, a.initData, a.logger)
	}
	return a, nil
}

func (a *Agent) detect(reg *attester.Registry) error {
	if a.primary != nil {
		return nil
	}
	if reg == nil {
		reg = attester.Default
	}
	primary, err := reg.DetectPrimary(a.logger)
	if err != nil {
		return err
	}
	devices, err := reg.DetectDevices(a.logger, primary.Tee())
	if err != nil {
		return err
	}
	a.primary, a.devices = primary, devices
	return nil
}

// openEventLog opens the AAEL when enabled. Upstream panics at start-up
// when the TEE cannot measure at runtime; we start and answer
// NOT_SUPPORTED instead.
func (a *Agent) openEventLog(ctx context.Context, cfg eventlog.Config) error {
	if !a.cfg.EventlogConfig.EnableEventlog {
		return nil
	}
	if !a.primary.SupportsRuntimeMeasurement() {
		a.logger.WarnContext(ctx, "event log enabled, but the TEE has no runtime measurement: requests will answer NOT_SUPPORTED",
			"tee", string(a.primary.Tee()))
		return nil
	}
	reg, ok := a.primary.(eventlog.Register)
	if !ok {
		return fmt.Errorf("aa: attester %s supports runtime measurement but cannot read its registers", a.primary.Tee())
	}
	cfg.InitPCR = a.cfg.EventlogConfig.InitPCR
	l, err := eventlog.Open(ctx, cfg, reg, a.logger)
	if err != nil {
		return err
	}
	a.events = l
	return nil
}

// Close releases the event log.
func (a *Agent) Close() error {
	if a.events == nil {
		return nil
	}
	return a.events.Close()
}

// Evidence is the primary TEE's evidence carrying runtimeData as its
// report data, unhashed.
func (a *Agent) Evidence(ctx context.Context, runtimeData []byte) (json.RawMessage, error) {
	return a.primary.Evidence(ctx, runtimeData)
}

// AdditionalEvidence is the JSON object {tee: evidence} of every
// additional device, each carrying runtimeData; nil when there are none.
func (a *Agent) AdditionalEvidence(ctx context.Context, runtimeData []byte) ([]byte, error) {
	if len(a.devices) == 0 {
		return nil, nil
	}
	all := make(map[kbs.Tee]json.RawMessage, len(a.devices))
	for _, d := range a.devices {
		ev, err := d.Evidence(ctx, runtimeData)
		if err != nil {
			return nil, fmt.Errorf("aa: %s evidence: %w", d.Tee(), err)
		}
		all[d.Tee()] = ev
	}
	b, err := json.Marshal(all)
	if err != nil {
		return nil, fmt.Errorf("aa: additional evidence: %w", err)
	}
	return b, nil
}

// TeeType is the primary TEE's kbs-types name.
func (a *Agent) TeeType() kbs.Tee { return a.primary.Tee() }

// AdditionalTees names the additional devices, in detection order.
func (a *Agent) AdditionalTees() []string {
	tees := make([]string, 0, len(a.devices))
	for _, d := range a.devices {
		tees = append(tees, string(d.Tee()))
	}
	return tees
}

// MeasurementResult is the outcome of ExtendRuntimeMeasurement.
type MeasurementResult int

// Results, numbered as upstream's RuntimeMeasurementResult.
const (
	MeasurementOK           MeasurementResult = 0
	MeasurementNotSupported MeasurementResult = 1
	MeasurementNotEnabled   MeasurementResult = 2
)

// ExtendRuntimeMeasurement logs "<domain> <operation> <content>" in the
// AAEL and extends the register of pcr (eventlog_config.init_pcr when
// nil) with its digest.
func (a *Agent) ExtendRuntimeMeasurement(ctx context.Context, domain, operation, content string, pcr *uint64) (MeasurementResult, error) {
	if !a.cfg.EventlogConfig.EnableEventlog {
		return MeasurementNotEnabled, nil
	}
	if a.events == nil {
		return MeasurementNotSupported, nil
	}
	ev, err := eventlog.NewEvent(domain, operation, content)
	if err != nil {
		return 0, err
	}
	index := a.cfg.EventlogConfig.InitPCR
	if pcr != nil {
		index = *pcr
	}
	if err := a.events.Extend(ctx, ev, index); err != nil {
		return 0, err
	}
	return MeasurementOK, nil
}

// BindInitData binds digest to the TEE. Where the TEE has no binding it
// succeeds, as upstream's gRPC server does.
func (a *Agent) BindInitData(ctx context.Context, digest []byte) error {
	err := a.primary.BindInitData(ctx, digest)
	if errors.Is(err, attester.ErrUnsupported) {
		a.logger.InfoContext(ctx, "the TEE does not support init-data binding", "tee", string(a.primary.Tee()))
		return nil
	}
	return err
}

// evidenceProvider lets the KBS client collect evidence from the agent's
// attesters.
type evidenceProvider struct{ a *Agent }

func (p evidenceProvider) Tee() kbs.Tee { return p.a.primary.Tee() }

func (p evidenceProvider) PrimaryEvidence(ctx context.Context, reportData []byte) (json.RawMessage, error) {
	return p.a.primary.Evidence(ctx, reportData)
}

func (p evidenceProvider) AdditionalEvidence(ctx context.Context, reportData []byte) (string, error) {
	b, err := p.a.AdditionalEvidence(ctx, reportData)
	return string(b), err
}
