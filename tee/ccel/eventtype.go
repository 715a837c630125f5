package ccel

// EventType is a TCG PC Client event type.
type EventType uint32

// Event types whose data upstream decodes, and the spec-id event type.
const (
	EvPostCode                   EventType = 0x1
	EvNoAction                   EventType = 0x3
	EvSeparator                  EventType = 0x4
	EvAction                     EventType = 0x5
	EvEventTag                   EventType = 0x6
	EvPlatformConfigFlags        EventType = 0xA
	EvCompactHash                EventType = 0xC
	EvIPL                        EventType = 0xD
	EvOmitBootDeviceEvents       EventType = 0x12
	EvEFIVariableDriverConfig    EventType = 0x80000001
	EvEFIVariableBoot            EventType = 0x80000002
	EvEFIBootServicesApplication EventType = 0x80000003
	EvEFIAction                  EventType = 0x80000007
	EvEFIPlatformFirmwareBlob2   EventType = 0x8000000A
	EvEFIHandoffTables2          EventType = 0x8000000B
	EvEFIVariableBoot2           EventType = 0x8000000C
	EvEFIVariableAuthority       EventType = 0x800000E0
)

// eventTypeNames lists every type upstream knows; a log with another type
// is refused, as upstream does.
var eventTypeNames = map[EventType]string{
	0x0: "EV_PREBOOT_CERT", 0x1: "EV_POST_CODE", 0x2: "EV_UNUSED", 0x3: "EV_NO_ACTION",
	0x4: "EV_SEPARATOR", 0x5: "EV_ACTION", 0x6: "EV_EVENT_TAG", 0x7: "EV_S_CRTM_CONTENTS",
	0x8: "EV_S_CRTM_VERSION", 0x9: "EV_CPU_MICROCODE", 0xA: "EV_PLATFORM_CONFIG_FLAGS",
	0xB: "EV_TABLE_OF_DEVICES", 0xC: "EV_COMPACT_HASH", 0xD: "EV_IPL",
	0xE: "EV_IPL_PARTITION_DATA", 0xF: "EV_NONHOST_CODE", 0x10: "EV_NONHOST_CONFIG",
	0x11: "EV_NONHOST_INFO", 0x12: "EV_OMIT_BOOT_DEVICE_EVENTS",
	0x80000000: "EV_EFI_EVENT_BASE", 0x80000001: "EV_EFI_VARIABLE_DRIVER_CONFIG",
	0x80000002: "EV_EFI_VARIABLE_BOOT", 0x80000003: "EV_EFI_BOOT_SERVICES_APPLICATION",
	0x80000004: "EV_EFI_BOOT_SERVICES_DRIVER", 0x80000005: "EV_EFI_RUNTIME_SERVICES_DRIVER",
	0x80000006: "EV_EFI_GPT_EVENT", 0x80000007: "EV_EFI_ACTION",
	0x80000008: "EV_EFI_PLATFORM_FIRMWARE_BLOB", 0x80000009: "EV_EFI_HANDOFF_TABLES",
	0x8000000A: "EV_EFI_PLATFORM_FIRMWARE_BLOB2", 0x8000000B: "EV_EFI_HANDOFF_TABLES2",
	0x8000000C: "EV_EFI_VARIABLE_BOOT2", 0x80000010: "EV_EFI_HCRTM_EVENT",
	0x800000E0: "EV_EFI_VARIABLE_AUTHORITY", 0x800000E1: "EV_EFI_SPDM_FIRMWARE_BLOB",
	0x800000E2: "EV_EFI_SPDM_FIRMWARE_CONFIG",
}

// String is the type's TCG name, as in the claims' "type_name".
func (t EventType) String() string {
	if n, ok := eventTypeNames[t]; ok {
		return n
	}
	return "EV_UNKNOWN"
}

func (t EventType) known() bool {
	_, ok := eventTypeNames[t]
	return ok
}
