// What a data-parallel worker thread imports before rebuilding an LRA model from its JSON topology: the model
// layers of @tost/models and every attention variant (their tf.serialization registrations).
import '@tost/models';
import '@tost/variants';
