/* core/agent-epoch.c: the agent's route epoch (docs/udp.md, "Verdicts the agent takes back"). */
#ifndef SOCKSWRAP_AGENT_EPOCH_H
#define SOCKSWRAP_AGENT_EPOCH_H

#include <stdint.h>

/* The counter the agent bumps when UDP verdicts it gave may no longer hold (a relay found silent, a
 * fast association the proxy closed): a verdict cached at another value is asked again. One load
 * of a page the agent's file is mapped at; 0 when there is no such file (then nothing changes). */
uint32_t sw_agent_epoch(void);

/* A control connection was opened: the agent may be another one, with another file (its epoch
 * starts at a random value, so verdicts the old one gave are asked again). */
void sw_agent_epoch_recheck(void);

/* In a fork child (agent-wire.c's atfork handler). */
void sw_agent_epoch_after_fork(void);

#endif
