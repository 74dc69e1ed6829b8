// The layer-family files compiled into mgr: X(name) for each framework/graph/register_<name>.cpp,
// whose `void register_<name>_layers()` registers that family's layer types. A new family adds
// its file and its X(name) here.
#pragma once

#define MGR_LAYER_FILES(X) X(conv) X(basic) X(recurrent)
