package dev.notionsync.sim;

/** Who made a change: a person editing in the UI or the integration's bot writing through the API. */
record Author(String userId, String type) {
    static Author person(String userId) {
        return new Author(userId, "person");
    }

    static Author bot(String userId) {
        return new Author(userId, "bot");
    }
}
