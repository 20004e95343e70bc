import { Action, BindAction, BindFlag, ConnectFlag, DialArg, DialEvent, DialState, Family, RELAY_CONNECTED, Relay, SCRIPT_ENDS_HOP, Socktype, Status, TemplateHole, UdpFastFlag, UdpGuard, UdpRelease, UdpRouteFlag, WireErrno } from './codes';
import * as layout from './layout';
import { Op } from './ops';

/**
 * What the C shim gets from src/wire: tools/wire-header.js reads this table (compiled, from
 * dist/) and writes native-shims/core/wire-protocol.h. The shim's older names (OP_*, AGENT_*,
 * ACTION_*, CONNECT_*, UDP_ROUTE_CONNECT, UDP_RELEASE_*, STATE_*, EVENT_*, ARG_*, SW_*_LEN) are
 * kept so the C that uses them did not change; codes the shim had no name for carry WIRE_. (The
 * reply tag's length is relay-mac.h's SW_TAG_LEN, the MAC's own.) Add a constant here when the C
 * needs it; never write its value in C.
 */
export interface CGroup {
  comment: string;
  /** An enum's tag (codes), or none: #define lines (sizes, usable in #if). */
  enumTag?: string;
  /** Values written in hex (op numbers, bit masks). */
  hex?: boolean;
  entries: readonly (readonly [name: string, value: number])[];
}

const snake = (camel: string) => camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const named = (prefix: string, table: Record<string, number>) => Object.entries(table).map(([k, v]) => [prefix + snake(k), v] as const);

export const C_GROUPS: readonly CGroup[] = [
  { comment: "Operations: a request frame's kind.", enumTag: 'agent_op', hex: true, entries: named('OP_', Op) },
  { comment: "A response frame's kind: 0 ok, 1 and 2 per op; CONNECT and UDP_ROUTE answer an errno instead.", enumTag: 'wire_status', entries: named('WIRE_STATUS_', Status) },
  { comment: "CONNECT's socktype.", enumTag: 'wire_socktype', entries: named('SOCKTYPE_', Socktype) },
  { comment: 'The action of a CONNECT or UDP_ROUTE answer (UDP_ROUTE: 1 = relay).', enumTag: 'wire_action', entries: named('ACTION_', Action) },
  { comment: "CONNECT's flags: blocking (may answer execute), families the socket reaches, verdict out of band, a non-blocking socket that may take a whole script.", enumTag: 'wire_connect_flag', entries: named('CONNECT_', { blocking: ConnectFlag.blocking, reach4: ConnectFlag.reach4, reach6: ConnectFlag.reach6, outOfBand: ConnectFlag.outOfBand, asyncDial: ConnectFlag.asyncDial }) },
  { comment: "BIND's flags.", enumTag: 'wire_bind_flag', entries: named('BIND_', BindFlag) },
  { comment: 'The action of a BIND answer.', enumTag: 'wire_bind_action', entries: named('BIND_ACTION_', BindAction) },
  { comment: "UDP_ROUTE's flags.", enumTag: 'wire_udp_route_flag', entries: [['UDP_ROUTE_CONNECT', UdpRouteFlag.connecting]] },
  { comment: "UDP_FAST's flag beside the reach bits: the fast association the shim knew has ended.", enumTag: 'wire_udp_fast_flag', hex: true, entries: [['UDP_FAST_ENDED', UdpFastFlag.ended]] },
  { comment: 'How a fast association is proven alive: none (a relay on another host), or its TCP connection.', enumTag: 'wire_udp_guard', entries: named('UDP_GUARD_', UdpGuard) },
  { comment: "UDP_RELEASE's what.", enumTag: 'wire_udp_release', entries: named('UDP_RELEASE_', UdpRelease) },
  { comment: 'Which relay listener (PEER, UDP_*); PEER 0: a socket on the dial path.', enumTag: 'wire_relay', entries: named('WIRE_RELAY_', Relay) },
  { comment: "An address's fam; RESOLVE's family (0: unspecified).", enumTag: 'wire_family', entries: named('WIRE_FAMILY_', Family) },
  { comment: "The dial path: an instruction's state.", enumTag: 'wire_dial_state', entries: named('STATE_', DialState) },
  { comment: "The dial path: a STEP's event.", enumTag: 'wire_dial_event', entries: named('EVENT_', DialEvent) },
  { comment: "The dial path: an instruction's arg bits (DONE: the errno).", entries: named('ARG_', DialArg) },
  { comment: "A dial template's hole kinds (TEMPLATE).", enumTag: 'wire_template_hole', entries: named('HOLE_', TemplateHole) },
  { comment: "A script entry's prefix_len top bit: the reply ends a hop.", hex: true, entries: [['WIRE_SCRIPT_ENDS_HOP', SCRIPT_ENDS_HOP]] },
  { comment: "The relay stream's verdict byte for a chain that is up (else the errno).", entries: [['WIRE_RELAY_CONNECTED', RELAY_CONNECTED]] },
  {
    comment: 'Control frames: len u16be | kind u8 | id u32be | body; len counts kind, id and body.',
    entries: [
      ['AGENT_MAX_BODY', layout.MAX_BODY],
      ['AGENT_ID_LEN', layout.ID_LEN],
      ['AGENT_HEAD_LEN', layout.HEAD_LEN],
      ['AGENT_MAX_FRAME', layout.MAX_FRAME],
    ],
  },
  {
    comment: 'Fixed sizes and offsets.',
    entries: [
      ['SW_TOKEN_LEN', layout.TOKEN_LEN],
      ['SW_TICKET_LEN', layout.TICKET_LEN],
      ['SW_MAX_NAME', layout.MAX_NAME],
      ['SW_ASSOC_ID_LEN', layout.ASSOC_ID_LEN],
      ['SW_REPLY_KEY_LEN', layout.REPLY_KEY_LEN],
      ['SW_UDP_FAM_OFFSET', layout.UDP_FAM_OFFSET],
      ['SW_UDP_ADDR_OFFSET', layout.UDP_ADDR_OFFSET],
      ['SW_UDP_PORT_OFFSET', layout.UDP_PORT_OFFSET],
      ['SW_UDP_HEADER_LEN', layout.UDP_HEADER_LEN],
      ['SW_STEP_HEADER_LEN', layout.STEP_HEADER_LEN],
      ['SW_CONNECT_REQUEST_MAX', layout.CONNECT_REQUEST_MAX],
      ['SW_INSTRUCTION_HEAD_LEN', layout.INSTRUCTION_HEAD_LEN],
      ['SW_MAX_SCRIPT_ENTRIES', layout.MAX_SCRIPT_ENTRIES],
      ['SW_MAX_SCRIPT_PREFIX', layout.MAX_SCRIPT_PREFIX],
      ['SW_MAX_ADDRESSES', layout.MAX_ADDRESSES],
    ],
  },
];

/** Errnos the agent sends, with Node's values: the header asserts errno.h agrees. */
export const C_ERRNOS: Readonly<Record<string, number>> = WireErrno;
